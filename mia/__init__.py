"""Membership-inference study of generalization techniques (LiRA on shadow models)."""

__version__ = "0.1.0"
