"""The component: CloudifyManager, which composes the host steps for one manager, and the plugin's host of it."""
