//! `ludica plot`: learning curves (success rate and mean return against env steps) of one or
//! more runs, from their `metrics.jsonl`, into a PNG.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use ludica_agents::metrics::{METRICS_FILE, read_metrics};
use ludica_agents::plot::{Curve, learning_curves, write_png};

/// Options of `ludica plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Run directories (e.g. `runs/*`).
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// The PNG to write.
    #[arg(long, default_value = "curves.png")]
    pub out: PathBuf,
    /// Moving-average window, in updates.
    #[arg(long, default_value_t = 10)]
    pub smooth: usize,
}

/// Runs `ludica plot`.
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("png") {
        bail!("--out {} must name a .png file", args.out.display());
    }
    let mut curves = Vec::new();
    for dir in &args.runs {
        let path = dir.join(METRICS_FILE);
        if !path.is_file() {
            bail!("{} has no {METRICS_FILE}: it is not a ludica run directory", dir.display());
        }
        let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        curves.push(Curve { name, records: read_metrics(&path)? });
    }
    write_png(&args.out, &learning_curves(&curves, args.smooth.max(1)))?;
    println!("wrote {}", args.out.display());
    Ok(())
}
