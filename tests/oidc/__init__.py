"""The test OpenID Connect provider (oidc-provider under Node) and its helpers."""
