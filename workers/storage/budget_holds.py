"""Budget reservations: a paid job holds the most it could cost against its tenant's
monthly budget from admission until it ends, so concurrent submissions cannot together
spend past the budget (checking only what was already spent admits every job of a burst).

The hold is `budget-holds:{tenant}` (a hash, job id -> "<USD>|<expires at>"). It is taken
atomically with the budget check (the admission script, or `reserve` for a job published
straight onto the queue): admitted only when spent + every live hold + this job's most
<= budget. It is settled when the job's costs are booked (workers.storage.spend.book
drops it in the same script that adds the actual cost), or released when a job ends
with nothing to book; an entry whose ending never came lapses after BUDGET_HOLD_TTL_S.

A job's most is a documented bound, not a guess: every model call sends at most
LLM_MAX_PROMPT_TOKENS (the provider refuses a larger prompt) and receives at most
OPENAI_MAX_TOKENS, and a job makes at most `model_calls_bound` calls.
"""

from __future__ import annotations

import redis

from config.llm_prices import price_table
from config.settings import Settings
from core.keys import budget_holds_key

MODEL_STEPS = ("propose_requirements", "generate_code")
"""The steps that call the model (workers.chain.providers.openai_provider)."""

# The budget check and hold, shared by the admission script and RESERVE. Expects locals
# spend_key, holds_key, budget, reserve, job_id, hold_ttl, now. Returns a refusal
# (a table) or nil when the job may hold `reserve`. Expired holds are dropped; the job's
# own earlier hold (a redelivered queued message) is not counted against it.
CHECK_LUA = """
local function budget_refusal()
  local spent = redis.call('GET', spend_key)
  if not spent then
    return {'spend_unknown'}
  end
  local held = 0
  local entries = redis.call('HGETALL', holds_key)
  for i = 1, #entries, 2 do
    local sep = string.find(entries[i + 1], '|', 1, true)
    local usd = tonumber(string.sub(entries[i + 1], 1, sep - 1))
    local expires = tonumber(string.sub(entries[i + 1], sep + 1))
    if expires <= now then
      redis.call('HDEL', holds_key, entries[i])
    elseif entries[i] ~= job_id then
      held = held + usd
    end
  end
  if tonumber(spent) + held + reserve > budget then
    return {'budget_exhausted', spent, tostring(held), tostring(reserve)}
  end
  return nil
end
local function take_hold()
  if reserve > 0 then
    redis.call('HSET', holds_key, job_id, tostring(reserve) .. '|' .. tostring(now + hold_ttl))
    redis.call('EXPIRE', holds_key, hold_ttl)
  end
end
"""

_RESERVE = (
    """
local spend_key, holds_key = KEYS[1], KEYS[2]
local budget, reserve, job_id, hold_ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3],
  tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""
    + CHECK_LUA
    + """
local refused = budget_refusal()
if refused then
  return refused
end
take_hold()
return {'admitted'}
"""
)


def model_calls_bound(settings: Settings) -> int:
    """The most model calls one job can pay for: each model step asks up to
    OPENAI_ANSWER_ATTEMPTS times per delivery, and a job is delivered (task retries and
    redeliveries together) at most JOB_MAX_DELIVERIES times."""
    return len(MODEL_STEPS) * settings.openai_answer_attempts * settings.job_max_deliveries


def max_call_usd(model: str, settings: Settings) -> float | None:
    """The most one call to `model` can cost; None when it has no price."""
    price = price_table().get(model)
    if price is None:
        return None
    prompt_usd = settings.llm_max_prompt_tokens * price[0]
    completion_usd = settings.openai_max_tokens * price[1]
    return (prompt_usd + completion_usd) / 1_000_000


def max_job_usd(model: str, settings: Settings) -> float | None:
    """The most a job on `model` can cost (its reservation); None when unpriced."""
    per_call = max_call_usd(model, settings)
    return None if per_call is None else round(per_call * model_calls_bound(settings), 8)


def reserve(
    client: redis.Redis,
    *,
    tenant: str,
    job_id: str,
    spend_key: str,
    budget_usd: float,
    reserve_usd: float,
    hold_ttl_s: int,
) -> list[str]:
    """Check the budget and take the job's hold in one step: ["admitted"],
    ["spend_unknown"] (rebuild the month's counter, ask again) or
    ["budget_exhausted", spent, held, reserve]."""
    answer = client.eval(
        _RESERVE,
        2,
        spend_key,
        budget_holds_key(tenant),
        repr(budget_usd),
        repr(reserve_usd),
        job_id,
        hold_ttl_s,
    )
    return [a.decode() if isinstance(a, bytes) else str(a) for a in answer]


def release(client: redis.Redis, tenant: str | None, job_id: str) -> None:
    """Drop a job's hold (it ended with nothing left to book). Idempotent."""
    if tenant:
        client.hdel(budget_holds_key(tenant), job_id)


def held_usd(client: redis.Redis, tenant: str) -> dict[str, float]:
    """The tenant's holds, job id -> USD (expired ones included until the next check)."""
    raw = client.hgetall(budget_holds_key(tenant))
    holds: dict[str, float] = {}
    for job_id, value in raw.items():
        job = job_id.decode() if isinstance(job_id, bytes) else job_id
        text = value.decode() if isinstance(value, bytes) else value
        holds[job] = float(text.split("|", 1)[0])
    return holds
