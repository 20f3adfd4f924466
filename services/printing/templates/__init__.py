"""Document templates (YAML, see README.md). A package only so that wheels ship the files."""
