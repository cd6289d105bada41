"""Independent checks of a follower's answer: certificates (the follower's problem re-solved from its matrix form) and the leader's values over a follower's ties."""
