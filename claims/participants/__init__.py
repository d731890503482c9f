"""The participants' own channels (channels.md): signing in, the balance, the simulation."""
