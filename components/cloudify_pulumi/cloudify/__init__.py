"""What Cloudify needs: the manager profiles and their ports, Cloudify 7's config.yaml and the files beside it,
cloudify-3.2's bootstrap context, and what leaves a manager ready for work."""
