//! TensorBoard event files: each training session appends the run's scalars (every number of
//! a metrics record, tagged with its `metrics.jsonl` key, at its `global_step`) to its own
//! `events.out.tfevents.*` file in the run directory, readable by `tensorboard --logdir`.
//!
//! Written by hand in the documented format rather than through a crate: a file is a
//! sequence of TFRecords (little-endian `u64` length, masked CRC-32C of the length, the data,
//! masked CRC-32C of the data), each holding one `Event` protocol buffer. The three messages
//! used (`Event`, `Summary.Value` with `simple_value`, `SessionLog`) take a few dozen lines to
//! encode; the crates that do it pull in a protobuf stack and image codecs (`tensorboard-rs`,
//! last released in 2022) or need `protoc` at build time (`tboard`).
//!
//! A resumed run redoes the updates after its last checkpoint, so its first event is a
//! `SessionLog` START at its first step: TensorBoard then drops the earlier session's points
//! from that step on ("orphaned data"), and each step is shown once.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::error::AgentError;

/// The part every event file's name holds (TensorBoard looks for it).
pub const EVENTS_MARKER: &str = "tfevents";
/// The event format version named in each file's first event.
const FILE_VERSION: &str = "brain.Event:2";
/// CRC-32C (Castagnoli), the checksum of TFRecords.
const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
/// `SessionLog.SessionStatus.START`.
const SESSION_START: u64 = 1;

/// TFRecord's masked CRC-32C of `data`: the checksum rotated right by 15 bits plus a constant,
/// so that a checksum stored inside checksummed data does not checksum to a fixed value.
pub fn masked_crc32c(data: &[u8]) -> u32 {
    CRC32C.checksum(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// `data` framed as one TFRecord.
pub fn tf_record(data: &[u8]) -> Vec<u8> {
    let len = (data.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(data.len() + 16);
    record.extend_from_slice(&len);
    record.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
    record.extend_from_slice(data);
    record.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    record
}

/// Protocol-buffer wire encoding of the few field kinds events use.
mod wire {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A varint field (wire type 0).
    pub fn uint(out: &mut Vec<u8>, field: u64, v: u64) {
        varint(out, field << 3);
        varint(out, v);
    }

    /// A 64-bit field (wire type 1).
    pub fn double(out: &mut Vec<u8>, field: u64, v: f64) {
        varint(out, field << 3 | 1);
        out.extend_from_slice(&v.to_le_bytes());
    }

    /// A length-delimited field (wire type 2): bytes, a string or a nested message.
    pub fn bytes(out: &mut Vec<u8>, field: u64, v: &[u8]) {
        varint(out, field << 3 | 2);
        varint(out, v.len() as u64);
        out.extend_from_slice(v);
    }

    /// A 32-bit field (wire type 5).
    pub fn float(out: &mut Vec<u8>, field: u64, v: f32) {
        varint(out, field << 3 | 5);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// What an `Event` carries besides its time and step.
enum What<'a> {
    /// `file_version` (field 3).
    FileVersion,
    /// `session_log` (field 7) with status START.
    SessionStart,
    /// `summary` (field 5) of `simple_value` scalars by tag.
    Scalars(&'a [(String, f32)]),
}

/// An `Event` message: `wall_time` (1), `step` (2) and one of [`What`].
fn event(wall_time: f64, step: u64, what: What) -> Vec<u8> {
    let mut out = Vec::new();
    wire::double(&mut out, 1, wall_time);
    // Protocol buffers leave fields at their default (0) out.
    if step != 0 {
        wire::uint(&mut out, 2, step);
    }
    match what {
        What::FileVersion => wire::bytes(&mut out, 3, FILE_VERSION.as_bytes()),
        What::SessionStart => {
            let mut log = Vec::new();
            wire::uint(&mut log, 1, SESSION_START);
            wire::bytes(&mut out, 7, &log);
        }
        What::Scalars(scalars) => {
            let mut summary = Vec::new();
            for (tag, v) in scalars {
                let mut value = Vec::new();
                wire::bytes(&mut value, 1, tag.as_bytes());
                wire::float(&mut value, 2, *v);
                wire::bytes(&mut summary, 1, &value);
            }
            wire::bytes(&mut out, 5, &summary);
        }
    }
    out
}

/// The numbers of a JSON value as (tag, value) pairs: an object's keys become tags (nested
/// objects joined with `/`), `null`s and non-numbers are left out.
pub fn scalars(value: &Value) -> Vec<(String, f32)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, f32)>) {
        match value {
            Value::Number(n) => out.extend(n.as_f64().map(|v| (prefix.to_string(), v as f32))),
            Value::Object(map) => {
                for (key, v) in map {
                    let tag = if prefix.is_empty() { key.clone() } else { format!("{prefix}/{key}") };
                    walk(&tag, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// Seconds since the Unix epoch, TensorBoard's `wall_time`.
fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// One session's event file in a run directory; see the module docs.
pub struct EventWriter {
    path: PathBuf,
    file: BufWriter<File>,
}

impl EventWriter {
    /// Starts a new event file in `dir` for a session whose first step is `first_step`. Its
    /// name sorts after the run's earlier event files, as TensorBoard reads them in name order.
    pub fn create(dir: &Path, first_step: u64) -> Result<EventWriter, AgentError> {
        let earlier = std::fs::read_dir(dir)
            .map_err(|e| AgentError::io("read", dir, e))?
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(EVENTS_MARKER))
            .count();
        let secs = now() as u64;
        let path = dir.join(format!("events.out.{EVENTS_MARKER}.{secs:010}.ludica.{earlier:04}"));
        let file = OpenOptions::new().write(true).create_new(true).open(&path);
        let file = file.map_err(|e| AgentError::io("create", &path, e))?;
        let mut writer = EventWriter { path, file: BufWriter::new(file) };
        let time = now();
        writer.write(&event(time, 0, What::FileVersion))?;
        writer.write(&event(time, first_step, What::SessionStart))?;
        writer.flush()?;
        Ok(writer)
    }

    /// Writes the numbers of `record` (see [`scalars`]) at `step`, each tag prefixed with
    /// `prefix` (e.g. `"eval/"`), and flushes them to the file.
    pub fn write_record(&mut self, step: u64, prefix: &str, record: &impl Serialize) -> Result<(), AgentError> {
        let value = serde_json::to_value(record).expect("a metrics record serializes");
        let tagged: Vec<(String, f32)> =
            scalars(&value).into_iter().map(|(tag, v)| (format!("{prefix}{tag}"), v)).collect();
        self.write(&event(now(), step, What::Scalars(&tagged)))?;
        self.flush()
    }

    fn write(&mut self, event: &[u8]) -> Result<(), AgentError> {
        self.file.write_all(&tf_record(event)).map_err(|e| AgentError::io("write", &self.path, e))
    }

    fn flush(&mut self) -> Result<(), AgentError> {
        self.file.flush().map_err(|e| AgentError::io("write", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_and_its_mask_match_known_values() {
        // The CRC-32C check value of the catalogue.
        assert_eq!(CRC32C.checksum(b"123456789"), 0xe306_9283);
        assert_eq!(masked_crc32c(b"123456789"), 0xe306_9283u32.rotate_right(15).wrapping_add(0xa282_ead8));
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    // The vectors below are the bytes the `tensorboard` Python package (2.21.0) writes:
    // `RecordWriter(f).write(b"ludica")`, and `Event(...).SerializeToString()`.

    #[test]
    fn records_are_framed_as_tensorboard_frames_them() {
        assert_eq!(tf_record(b"ludica"), hex("06000000000000007369d5376c756469636198c8ce25"));
    }

    #[test]
    fn events_encode_as_tensorboard_encodes_them() {
        let scalar = event(1.5, 300, What::Scalars(&[("loss".into(), 0.25)]));
        assert_eq!(scalar, hex("09000000000000f83f10ac022a0d0a0b0a046c6f7373150000803e"));
        assert_eq!(event(2.0, 7, What::SessionStart), hex("09000000000000004010073a020801"));
        let version = event(2.0, 0, What::FileVersion);
        assert_eq!(version, hex("0900000000000000401a0d627261696e2e4576656e743a32"));
    }

    #[test]
    fn scalars_are_the_numbers_of_a_record_by_key() {
        let value = serde_json::json!({"a": 1, "b": null, "c": "text", "d": {"e": 2.5}});
        assert_eq!(scalars(&value), [("a".to_string(), 1.0), ("d/e".to_string(), 2.5)]);
    }
}
