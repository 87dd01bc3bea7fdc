"""Pay-for-performance scoring: OHH composite, BHH screening measure, Connecticut PCMH."""
