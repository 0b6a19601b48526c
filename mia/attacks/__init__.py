"""Membership-inference attacks over a scenario's logit stores."""
