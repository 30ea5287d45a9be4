"""newsbot's read side: retrieval, the answering chain, refusals and the front ends."""
