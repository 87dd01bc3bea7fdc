"""Evidence: proving program requirements from an organization's own HL7 messages."""
