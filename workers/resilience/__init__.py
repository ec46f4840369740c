"""What happens when a dependency fails: one object per dependency (its retry policy, circuit
breaker and error classification), the job lease, local spools and their replay, dead letters."""
