"""Sample data for `aidledger demo`: the worked county of the spec (宝清县), its policies and registry."""
