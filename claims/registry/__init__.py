"""The participant registry, branches and officers: loading and looking them up."""
