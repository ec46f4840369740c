"""What happens when a dependency fails: retry policies, circuit breakers, error
classification, the job lease, local spools and their replay, and dead letters."""
