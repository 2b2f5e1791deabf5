"""Pure helpers any app may use: identifier codes and file-content checks (no Django models)."""
