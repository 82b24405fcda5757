//! The Lua scripts behind the redis store's writes: each applies one write whole (the profile,
//! the index, the default pointer) and bumps the version key that watchers read.

pub(super) const UPSERT: &str = r"
redis.call('SET', KEYS[1], ARGV[1])
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[2])
end
redis.call('INCR', KEYS[4])
return 1";

pub(super) const REMOVE: &str = r"
local n = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then
  redis.call('DEL', KEYS[3])
end
redis.call('INCR', KEYS[4])
return n";

pub(super) const SET_DEFAULT: &str = r"
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return 1";

/// Renames in one script: KEYS old profile, new profile, index, default, version; ARGV the old JSON as read,
/// the new JSON, old name, new name. Refuses (-1) when the old profile changed since it was read.
pub(super) const RENAME: &str = r"
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
return 1";
