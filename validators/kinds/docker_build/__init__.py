"""The `docker-build` kind: build each Dockerfile with a real engine, live, and prove the image starts."""
