"""Sign-in and tokens: JWT validation, the development OIDC provider, web sign-in, the caller."""
