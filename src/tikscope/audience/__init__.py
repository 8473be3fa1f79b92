"""Audience insights: the follow graph among audience members, clusters, and cluster cards."""
