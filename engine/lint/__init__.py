"""`sop lint`: every problem of a diagram, by the rules loading applies."""
