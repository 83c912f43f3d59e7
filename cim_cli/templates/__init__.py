"""Templates of the documents cim renders (the certificate)."""
