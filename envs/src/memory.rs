//! Whether a large request fits in memory: its estimated size checked against what this
//! process can still get (the kernel's `MemAvailable`, and the room left under an address-space
//! limit such as `ulimit -v`), so that a request too big is an error naming its size instead
//! of an abort inside the allocator. Only Linux reports these figures; elsewhere every
//! request passes and the allocator decides.

use std::fmt;

/// A request that cannot be allocated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} needs at least {} of memory, but only {} is available ({limit}); ask for less", Bytes(*.needed), Bytes(*.available))]
pub struct OutOfMemory {
    /// What was asked for, with the values that size it.
    pub what: String,
    /// Bytes it needs, at least.
    pub needed: u64,
    /// Bytes this process can still get.
    pub available: u64,
    /// Which limit binds: the system's free memory or the address-space limit.
    pub limit: &'static str,
}

/// Bytes this process can still allocate, and which limit binds; `None` where the system
/// does not say (then nothing is refused ahead of the allocator).
pub fn available() -> Option<(u64, &'static str)> {
    let free = kib_field(&std::fs::read_to_string("/proc/meminfo").ok()?, "MemAvailable:")?.saturating_mul(1024);
    let room = address_space_limit().and_then(|limit| {
        let used = kib_field(&std::fs::read_to_string("/proc/self/status").ok()?, "VmSize:")?.saturating_mul(1024);
        Some(limit.saturating_sub(used))
    });
    match room {
        Some(room) if room < free => Some((room, "under this process's address-space limit, ulimit -v")),
        _ => Some((free, "MemAvailable in /proc/meminfo")),
    }
}

/// Refuses a request of `needed` bytes when it cannot fit; `what` names the request and
/// the values that size it, for the error.
pub fn ensure_fits(what: impl FnOnce() -> String, needed: u64) -> Result<(), OutOfMemory> {
    match available() {
        Some((available, limit)) if needed > available => Err(OutOfMemory { what: what(), needed, available, limit }),
        _ => Ok(()),
    }
}

/// The product of `factors` in bytes, saturating instead of overflowing (a saturated
/// product never fits, which is the right answer).
pub fn product(factors: &[usize]) -> u64 {
    factors.iter().fold(1u64, |acc, &f| acc.saturating_mul(f as u64))
}

/// The value of a `Name:   123 kB` line.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// The soft address-space limit (`ulimit -v`) in bytes, if one is set.
fn address_space_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..].split_whitespace().next()?.parse().ok()
}

/// A byte count for people: `12.0 GiB`, `512.0 MiB`, `900 bytes`.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, u64); 3] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20)];
        match UNITS.iter().find(|(_, size)| self.0 >= *size) {
            Some((unit, size)) => write!(f, "{:.1} {unit}", self.0 as f64 / *size as f64),
            None => write!(f, "{} bytes", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_beyond_any_machine_is_refused_with_its_size() {
        if available().is_none() {
            return;
        }
        let err = ensure_fits(|| "a test buffer".into(), u64::MAX).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("a test buffer needs at least 16777216.0 TiB"), "{text}");
        assert!(ensure_fits(|| "a small buffer".into(), 1 << 20).is_ok());
    }

    #[test]
    fn fields_and_products_parse() {
        assert_eq!(kib_field("MemTotal: 10 kB\nMemAvailable:   2048 kB\n", "MemAvailable:"), Some(2048));
        assert_eq!(kib_field("MemTotal: 10 kB\n", "MemAvailable:"), None);
        assert_eq!(product(&[4096, 256, 12288]), 4096 * 256 * 12288);
        assert_eq!(product(&[usize::MAX, usize::MAX]), u64::MAX);
        assert_eq!(Bytes(3 << 29).to_string(), "1.5 GiB");
        assert_eq!(Bytes(900).to_string(), "900 bytes");
    }
}
