"""The host steps and their scripts: the SSH trust, the Docker endpoint, the images and containers, the
backups, and the POSIX sh scripts (scripts/) the steps run on a Docker host."""
