"""Network PKI, peer identities and the method -> roles authorization table."""
