//! The Lua scripts behind the redis store's writes: each applies one write whole (the profile,
//! the index, the default pointer) and bumps the version key that watchers read.
//!
//! Redis does not undo a script's writes when a later command in it fails (a key of the wrong
//! type, a counter that is not a number): so every script first checks each key it will touch,
//! and refuses before writing anything.

/// Prepends the checks to a script: `CHECK` lists `KEYS` index and what it must hold
/// (`string`, `zset`, or `counter`: a string holding an integer), and a key that holds anything
/// else ends the script with an error before any write.
macro_rules! checked {
    ($checks:literal, $body:literal) => {
        concat!(
            r"
local function bad(key, kind)
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then return nil end
  local want = kind
  if kind == 'counter' then want = 'string' end
  if t ~= want then return key .. ' holds a ' .. t .. ', not a ' .. want end
  if kind == 'counter' and not tonumber(redis.call('GET', key)) then
    return key .. ' does not hold a number'
  end
  return nil
end
for _, c in ipairs({",
            $checks,
            r"}) do
  local why = bad(KEYS[c[1]], c[2])
  if why then return redis.error_reply('PANCRED_WRONGTYPE ' .. why .. '; nothing was written') end
end
",
            $body
        )
    };
}

pub(super) const UPSERT: &str = checked!(
    "{1, 'string'}, {2, 'zset'}, {3, 'counter'}, {4, 'counter'}",
    r"
redis.call('SET', KEYS[1], ARGV[1])
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[2])
end
redis.call('INCR', KEYS[4])
return 1"
);

pub(super) const REMOVE: &str = checked!(
    "{1, 'string'}, {2, 'zset'}, {3, 'string'}, {4, 'counter'}",
    r"
local n = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
redis.call('INCR', KEYS[4])
return n"
);

pub(super) const SET_DEFAULT: &str = checked!(
    "{1, 'string'}, {2, 'counter'}",
    r"
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1"
);

/// Renames in one script: KEYS old profile, new profile, index, default, version; ARGV the old JSON as read,
/// the new JSON, old name, new name. Refuses (-1) when the old profile changed since it was read.
pub(super) const RENAME: &str = checked!(
    "{1, 'string'}, {2, 'string'}, {3, 'zset'}, {4, 'string'}, {5, 'counter'}",
    r"
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if cur ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
local score = redis.call('ZSCORE', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[3], score or 0, ARGV[4])
if redis.call('GET', KEYS[4]) == ARGV[3] then
  redis.call('SET', KEYS[4], ARGV[4])
end
redis.call('INCR', KEYS[5])
return 1"
);
