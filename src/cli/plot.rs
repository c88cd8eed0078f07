//! `ludica plot`: learning curves (success rate and mean return against env steps) of one or
//! more runs, from their `metrics.jsonl`, into a PNG; with `--buffer`, how their curriculum
//! buffers changed, from their `levels.jsonl`.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use ludica_agents::curriculum::buffer_history;
use ludica_agents::metrics::{METRICS_FILE, read_metrics};
use ludica_agents::plot::{BufferCurve, Curve, buffer_figure, learning_curves, write_png};

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
    /// Plot how each run's replay buffer (`--curriculum plr` or `robust-plr`) changed instead:
    /// the buffered levels' mean PROPERTY (a key of the levels' `meta`, as `ludica levels
    /// --format json` shows, e.g. path_length) and their mean score.
    #[arg(long, value_name = "PROPERTY")]
    pub buffer: Option<String>,
}

/// Runs `ludica plot`.
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("png") {
        bail!("--out {} must name a .png file", args.out.display());
    }
    if let Some(property) = &args.buffer {
        let mut curves = Vec::new();
        for dir in &args.runs {
            curves.push(BufferCurve { name: run_name(dir), points: buffer_history(dir, property)? });
        }
        write_png(&args.out, &buffer_figure(&curves, property))?;
        println!("wrote {}", args.out.display());
        return Ok(());
    }
    let mut curves = Vec::new();
    for dir in &args.runs {
        let path = dir.join(METRICS_FILE);
        if !path.is_file() {
            bail!("{} has no {METRICS_FILE}: it is not a ludica run directory", dir.display());
        }
        curves.push(Curve { name: run_name(dir), records: read_metrics(&path)? });
    }
    write_png(&args.out, &learning_curves(&curves, args.smooth.max(1)))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// A run's label: its directory's name.
fn run_name(dir: &std::path::Path) -> String {
    dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned())
}
