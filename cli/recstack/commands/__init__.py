"""One module per command: option parsing and rendering only."""
