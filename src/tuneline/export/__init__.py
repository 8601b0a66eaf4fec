"""Export for deployment."""
