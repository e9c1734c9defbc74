"""The `dockerignore` kind: what each Dockerfile's build context means for its image."""
