"""Program profiles, organization files and the `programs` / `check` commands."""
