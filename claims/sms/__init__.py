"""SMS 2757 (channels.md): the aggregator's inbound messages answered by the product."""
