"""drafting: precedent search and house-style 短评 drafting for the firm's newsletter."""

__version__ = "0.1.0"
