"""The Docker build context: `.dockerignore` semantics exactly as the classic CLI and BuildKit
apply them, and what that means for the files a build can see."""
