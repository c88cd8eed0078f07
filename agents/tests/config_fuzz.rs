//! A seeded mutation fuzzer over config files: valid TOML and JSON configs are cut, spliced,
//! flipped and seeded with hostile tokens, and every result must parse to an error or to a
//! config that validates (or is refused by validation) without a panic. Bounded: a fixed
//! number of cases per format, well under a second. `LUDICA_FUZZ_CASES` raises the count
//! for a longer run (see docs/training.md).

use std::panic::{AssertUnwindSafe, catch_unwind};

use ludica_agents::TrainConfig;
use rand::RngExt;
use rand_pcg::Pcg64;

/// Cases per format and seed in the test suite.
const CASES: usize = 3000;

/// Tokens that probe limits and types: huge and negative numbers, NaN, wrong kinds.
const TOKENS: [&str; 24] = [
    "0",
    "-1",
    "1e308",
    "nan",
    "inf",
    "18446744073709551615",
    "9223372036854775808",
    "4097",
    "1000000000",
    "\"25M\"",
    "\"200k\"",
    "\"easy\"",
    "\"cuda:99\"",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    "\"\"",
    "\"symbolic\"",
    "0.5",
    "\"",
    "=",
    ",",
    "\n",
];

/// One mutation of `text`: half the time a value swapped for a token (which keeps the
/// syntax, so the case reaches validation), else bytes flipped, cut, duplicated or inserted.
fn mutate(text: &str, rng: &mut Pcg64) -> String {
    if rng.random_range(0..2) == 0 {
        return swap_value(text, rng);
    }
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..4) {
        let len = bytes.len().max(1);
        let at = rng.random_range(0..len).min(bytes.len());
        match rng.random_range(0..4) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let end = (at + rng.random_range(0..12)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let end = (at + rng.random_range(0..24)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.random_range(0..=bytes.len());
                bytes.splice(to..to, copy);
            }
            _ => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                bytes.splice(at..at, token.bytes());
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `text` with the value of one `key = value` (TOML) or `"key": value` (JSON) line replaced
/// by a token.
fn swap_value(text: &str, rng: &mut Pcg64) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(['=', ':'])).collect();
    if fields.is_empty() {
        return text.to_string();
    }
    let line = &mut lines[fields[rng.random_range(0..fields.len())]];
    let at = line.find(['=', ':']).expect("a field line has a separator") + 1;
    let comma = if line.trim_end().ends_with(',') { "," } else { "" };
    let token = TOKENS[rng.random_range(0..TOKENS.len())];
    *line = format!("{} {token}{comma}", &line[..at]);
    lines.join("\n")
}

/// Parses and checks one text; a panic anywhere is returned as the failing input.
fn survives(text: &str, format: &str) -> Result<(), String> {
    let run = || {
        let Ok(cfg) = TrainConfig::from_text(text, format) else { return };
        if cfg.validate().is_ok() {
            // A valid config keeps its meaning through the run directory's JSON.
            let json = serde_json::to_string(&cfg).expect("a config serializes");
            assert_eq!(TrainConfig::from_text(&json, "json").as_ref(), Ok(&cfg), "round trip of {json}");
            cfg.memory_needed().expect("a valid config names a registered game");
            let _ = cfg.rounding_note();
        }
    };
    catch_unwind(AssertUnwindSafe(run)).map_err(|_| format!("{format} config panicked: {text:?}"))
}

#[test]
fn mutated_config_files_give_errors_or_valid_configs_never_panics() {
    let cases = std::env::var("LUDICA_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(CASES);
    let small = TrainConfig { num_envs: 8, num_steps: 32, steps: 200_000, ..TrainConfig::default() };
    let seeds: [(&str, String); 4] = [
        ("json", serde_json::to_string_pretty(&small).unwrap()),
        ("json", r#"{"obs": "symbolic", "steps": "2M", "difficulty": 0.3, "device": "cpu"}"#.into()),
        ("toml", toml::to_string(&small).unwrap()),
        ("toml", "obs = \"symbolic\"\nsteps = \"2M\"\ndifficulty = \"hard\"\nhidden = 64\n".into()),
    ];
    let (mut parsed, mut valid) = (0, 0);
    for (i, (format, seed_text)) in seeds.iter().enumerate() {
        assert!(TrainConfig::from_text(seed_text, format).is_ok(), "seed {i} parses");
        let mut rng = Pcg64::new(0x5eed + i as u128, 0xf022);
        for _ in 0..cases {
            let text = mutate(seed_text, &mut rng);
            survives(&text, format).unwrap();
            if let Ok(cfg) = TrainConfig::from_text(&text, format) {
                parsed += 1;
                valid += usize::from(cfg.validate().is_ok());
            }
        }
    }
    // The fuzzer must reach past the parser, and into validation, to test anything (with the
    // suite's count, about 8% of the cases parse and 5% validate).
    let total = seeds.len() * cases;
    assert!(parsed > total / 25 && valid > total / 50, "{parsed} parsed, {valid} valid of {total} cases");
}
