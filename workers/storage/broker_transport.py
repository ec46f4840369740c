"""kombu's Redis transport with one Redis client object per channel, not one per operation.

kombu wraps its connection pool in a new redis.Redis for every publish, ack and task
event (~90 µs each with redis-py 8: a worker sends three events per task, from its main
process, the one that also fetches the next message). The client object holds nothing
but the pool, so one per channel, rebuilt when the pool is, sends the same commands on
the same connections. Named by `broker_transport` (celery_config) for a redis:// broker.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):  # type: ignore[misc]
    _client_for_pool: Any = None

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:  # the BRPOP/LISTEN client: kombu keeps one already
            return super()._create_client(asynchronous=True)
        client = self._client_for_pool
        if client is None or client.connection_pool is not self.pool:
            client = self._client_for_pool = super()._create_client()
        return client


class Transport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = Channel
