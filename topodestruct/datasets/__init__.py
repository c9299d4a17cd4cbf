"""Dataset loaders (MNIST IDX files, ...): paths always come from the user or an environment variable."""
