"""The JHT simulation on the web (channels.md, "The JHT simulation"): the public API
`POST /api/v1/simulation` (`endpoints`) and what it shares with the page `/simulasi`
(`service`: today in Jakarta and the signed-in participant's starting balance). The
arithmetic is `workflow.simulation`."""
