"""HL7 v2 reading, tokenizing, structural and content conformance, and the `validate` command."""
