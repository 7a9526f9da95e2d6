"""Every state change of the sandbox, as ``<entity>_<action>(*, ...)`` functions."""
