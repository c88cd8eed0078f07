//! `ludica play`: a person plays a level in the terminal (truecolor half-blocks or text),
//! or a key script plays it without a terminal and the final frame is printed as text;
//! `--record` also writes what was played as a video, as `ludica record` does for agents.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::ValueEnum;
use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Color, Print, ResetColor, SetBackgroundColor, SetForegroundColor};
use crossterm::terminal::{self, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{execute, queue};
use ludica_agents::video::{self, Caption, VideoWriter};
use ludica_envs::core::PlayerView;
use ludica_envs::core::engine::symbolic::entity_of;
use ludica_envs::core::engine::view::{OUTSIDE_ID, View};
use ludica_envs::{AutoReset, GameDef, LevelSpec, ObsKind, Picture, VecEnv, VecEnvConfig, ViewMode};
use ludica_procgen::{Difficulty, Level, Tile};

use super::output::emit;
use super::{fault, load_levels, parse_game, parse_seed};

/// Options of `ludica play`.
#[derive(clap::Args)]
pub struct Args {
    /// Game to play; `ludica games` lists them.
    #[arg(long, default_value = "maze", value_parser = parse_game, conflicts_with = "level")]
    game: &'static GameDef,
    /// Level seed to start on; `n` moves on to the next seed.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_hyphen_values = true, conflicts_with = "level")]
    seed: u64,
    /// Difficulty: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value = "easy", allow_negative_numbers = true, conflicts_with = "level")]
    difficulty: Difficulty,
    /// Play the levels of a JSON-lines level file (as `ludica levels --format json` writes)
    /// instead; `n` moves on to the file's next level [default: none].
    #[arg(long, value_name = "FILE")]
    level: Option<PathBuf>,
    /// Play this key script without a terminal, then print the final frame as text and the
    /// outcome: L R U D arrows, J jump (space; fire where the game has no jump), F fire (f),
    /// < > jump left/right (shift+arrow, or plain left/right where the game has no such
    /// jump), . wait;
    /// spaces and commas are ignored [default: play interactively].
    #[arg(long, value_name = "KEYS", allow_hyphen_values = true)]
    keys: Option<KeyScript>,
    /// How the level is drawn in the terminal: blocks (truecolor half-blocks) or text.
    #[arg(long, value_enum, default_value_t = Look::Blocks)]
    look: Look,
    /// View: full, or local (only a window centred on the agent; the rest is unseen).
    #[arg(long, default_value_t = ViewMode::Full)]
    view: ViewMode,
    /// Also record every frame played (restarts and next levels included) to a video: .gif,
    /// or .mp4 when ffmpeg is on PATH; each frame scaled up 4x and captioned with its level
    /// seed, step and return.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
}

/// How much `--record` scales frames up.
const RECORD_SCALE: usize = 4;
/// Frames per second of a `--record` video.
const RECORD_FPS: u32 = 8;

/// How the interactive screen draws the level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Look {
    /// The env's 64 x 64 frame as 64 x 32 truecolor half-block characters.
    Blocks,
    /// The level as characters (`#` wall, `A` agent, `G` goal, ...).
    Text,
}

/// A key a player presses (or a script names) that plays an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Left,
    Right,
    Up,
    Down,
    Jump,
    JumpLeft,
    JumpRight,
    Fire,
    Wait,
}

impl Key {
    /// The action names this key plays, most specific first; the first one the game has wins.
    fn action_names(self) -> &'static [&'static str] {
        match self {
            Key::Left => &["left"],
            Key::Right => &["right"],
            Key::Up => &["up", "jump"],
            Key::Down => &["down"],
            Key::Jump => &["jump", "fire"],
            Key::JumpLeft => &["left_jump", "left"],
            Key::JumpRight => &["right_jump", "right"],
            Key::Fire => &["fire"],
            Key::Wait => &["noop"],
        }
    }

    /// The id of the action this key plays in `game`, if the game has one.
    fn action(self, game: &GameDef) -> Option<u8> {
        self.action_names().iter().find_map(|name| game.actions.iter().position(|a| a == name)).map(|id| id as u8)
    }

    fn from_script(c: char) -> Option<Key> {
        Some(match c.to_ascii_uppercase() {
            'L' => Key::Left,
            'R' => Key::Right,
            'U' => Key::Up,
            'D' => Key::Down,
            'J' => Key::Jump,
            '<' => Key::JumpLeft,
            '>' => Key::JumpRight,
            'F' => Key::Fire,
            '.' => Key::Wait,
            _ => return None,
        })
    }

    fn from_event(key: &KeyEvent) -> Option<Key> {
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        Some(match key.code {
            KeyCode::Left if shift => Key::JumpLeft,
            KeyCode::Right if shift => Key::JumpRight,
            KeyCode::Left => Key::Left,
            KeyCode::Right => Key::Right,
            KeyCode::Up => Key::Up,
            KeyCode::Down => Key::Down,
            KeyCode::Char(' ') => Key::Jump,
            KeyCode::Char('f') => Key::Fire,
            KeyCode::Char('.') => Key::Wait,
            _ => return None,
        })
    }
}

/// The keys of `--keys`, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyScript(Vec<Key>);

impl FromStr for KeyScript {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut keys = Vec::with_capacity(s.len());
        for (position, c) in s.chars().enumerate().filter(|(_, c)| !c.is_whitespace() && *c != ',') {
            let key = Key::from_script(c).ok_or_else(|| {
                format!(
                    "key script has '{c}' at position {position}: allowed are L R U D (arrows), J (jump or fire), \
                     F (fire), < > (jump left/right) and . (wait)"
                )
            })?;
            keys.push(key);
        }
        Ok(KeyScript(keys))
    }
}

/// What the player asks for in the interactive screen.
enum Command {
    Play(Key),
    Restart,
    NextLevel,
    Quit,
}

impl Command {
    fn from_event(key: &KeyEvent) -> Option<Command> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => Some(Command::Quit),
            KeyCode::Char('q') | KeyCode::Esc => Some(Command::Quit),
            KeyCode::Char('r') => Some(Command::Restart),
            KeyCode::Char('n') => Some(Command::NextLevel),
            _ => Key::from_event(key).map(Command::Play),
        }
    }
}

/// Where the levels come from.
enum Levels {
    /// Generated: the current seed; the next level is the next seed.
    Seeds(u64),
    /// From a file: its levels and the one being played.
    File(Vec<Level>, usize),
}

/// How an episode ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Success,
    Failure,
    TimeUp,
}

/// One env being played, with the bookkeeping the status line shows.
struct Session {
    env: VecEnv,
    levels: Levels,
    steps: u32,
    episode_return: f32,
    last_reward: f32,
    ending: Option<Ending>,
    /// The video every frame goes to, with `--record`.
    recorder: Option<VideoWriter>,
}

impl Session {
    fn new(
        game: &'static GameDef,
        difficulty: Difficulty,
        view: ViewMode,
        levels: Levels,
        recorder: Option<VideoWriter>,
    ) -> anyhow::Result<Session> {
        let config = VecEnvConfig {
            game: game.name.into(),
            num_envs: 1,
            num_threads: 1,
            num_shards: 0,
            obs: ObsKind::Symbolic,
            levels: LevelSpec { difficulty, ..LevelSpec::default() },
            view,
            autoreset: AutoReset::NextStep,
            seed: 0,
        };
        let mut session = Session {
            env: VecEnv::new(config)?,
            levels,
            steps: 0,
            episode_return: 0.0,
            last_reward: 0.0,
            ending: None,
            recorder,
        };
        session.restart()?;
        Ok(session)
    }

    fn game(&self) -> &'static GameDef {
        self.env.game()
    }

    /// Starts the current level again.
    fn restart(&mut self) -> anyhow::Result<()> {
        match &self.levels {
            Levels::Seeds(seed) => self.env.reset_env_to_seed(0, *seed)?,
            Levels::File(levels, index) => self.env.reset_env_to_level(0, levels[*index].clone())?,
        }
        (self.steps, self.episode_return, self.last_reward, self.ending) = (0, 0.0, 0.0, None);
        self.record_frame()
    }

    /// Moves on to the next seed, or the file's next level (wrapping).
    fn next_level(&mut self) -> anyhow::Result<()> {
        match &mut self.levels {
            Levels::Seeds(seed) => *seed = (*seed + 1) % ludica_envs::SEED_LIMIT,
            Levels::File(levels, index) => *index = (*index + 1) % levels.len(),
        }
        self.restart()
    }

    /// Plays one action, unless the episode has ended.
    fn play(&mut self, action: u8) -> anyhow::Result<()> {
        if self.ending.is_some() {
            return Ok(());
        }
        self.env.step(&[action])?;
        self.steps += 1;
        self.last_reward = self.env.reward()[0];
        self.episode_return += self.last_reward;
        self.ending = match (self.env.terminated()[0], self.env.truncated()[0]) {
            (true, _) if self.env.infos()[0].episode_success => Some(Ending::Success),
            (true, _) => Some(Ending::Failure),
            (false, true) => Some(Ending::TimeUp),
            (false, false) => None,
        };
        self.record_frame()
    }

    /// Adds the current frame to the `--record` video, if there is one.
    fn record_frame(&mut self) -> anyhow::Result<()> {
        let Some(recorder) = &mut self.recorder else { return Ok(()) };
        let caption = Caption {
            level_seed: self.env.infos()[0].level_seed,
            step: self.steps,
            episode_return: self.episode_return,
            ending: self.ending.map(|e| match e {
                Ending::Success => "success",
                Ending::Failure => "failure",
                Ending::TimeUp => "time up",
            }),
        };
        recorder.push(&video::captioned(&self.env.render(0)?, RECORD_SCALE, &caption))?;
        Ok(())
    }

    /// Writes the `--record` video, if there is one, and says so.
    fn finish_recording(&mut self) -> anyhow::Result<()> {
        if let Some(recorder) = self.recorder.take() {
            let (frames, path) = (recorder.frames(), recorder.path().to_path_buf());
            recorder.finish()?;
            eprintln!("recorded {frames} frames to {}", path.display());
        }
        Ok(())
    }

    fn status(&self) -> String {
        let level = match &self.levels {
            Levels::Seeds(seed) => format!("level seed {seed}"),
            Levels::File(levels, index) => {
                format!("level seed {} ({}/{} in file)", self.env.infos()[0].level_seed, index + 1, levels.len())
            }
        };
        let ending = match self.ending {
            Some(Ending::Success) => "  SUCCESS",
            Some(Ending::Failure) => "  FAILED",
            Some(Ending::TimeUp) => "  TIME UP",
            None => "",
        };
        format!(
            "{}  {level}  step {}/{}  return {}  last reward {}{ending}",
            self.game().name,
            self.steps,
            self.game().max_steps,
            self.episode_return,
            self.last_reward
        )
    }

    fn outcome(&self) -> String {
        let what = match self.ending {
            Some(Ending::Success) => "success",
            Some(Ending::Failure) => "failure",
            Some(Ending::TimeUp) => "time up",
            None => "still playing",
        };
        format!("outcome: {what} after {} steps, return {}", self.steps, self.episode_return)
    }

    /// The current state as text, one line per row: the symbolic observation's grid, cropped
    /// to the level when the game shows the whole level.
    fn text_frame(&self) -> anyhow::Result<String> {
        let view = self.game().view_for(self.env.config().view);
        let side = view.grid_side();
        let grid = &self.env.obs()[..side * side];
        let (xs, ys) = match view {
            View::Fit { .. } => {
                let level = self.env.level(0)?;
                let origin = view.grid_corner(&level, &PlayerView::default());
                let span = |o: i32, extent: usize| {
                    let first = (-o).clamp(0, side as i32) as usize;
                    first..(first + extent).min(side)
                };
                (span(origin.0, level.width), span(origin.1, level.height))
            }
            View::Follow { .. } | View::Local { .. } => (0..side, 0..side),
        };
        let mut text = String::with_capacity((xs.len() + 1) * ys.len());
        for y in ys {
            text.extend(grid[y * side + xs.start..y * side + xs.end].iter().map(|&id| symbol(id)));
            text.push('\n');
        }
        Ok(text)
    }
}

/// The character of a symbolic id: a tile's or an entity kind's, as level text uses them.
fn symbol(id: u8) -> char {
    if id == OUTSIDE_ID {
        return ' ';
    }
    match entity_of(id) {
        Some((kind, _)) => kind.to_char(),
        None => Tile::ALL.get(id as usize).map_or('?', |t| t.to_char()),
    }
}

/// Plays interactively, or the `--keys` script.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.keys.is_none() && !(io::stdin().is_terminal() && io::stdout().is_terminal()) {
        bail!("play needs a terminal, but stdin or stdout is not one: pass --keys \"RRDD...\" to play a key script");
    }
    let (game, difficulty, levels) = match &args.level {
        Some(path) => {
            let loaded = load_levels(path)?;
            let game = loaded[0].0;
            if let Some((line, (other, _))) = loaded.iter().enumerate().find(|(_, (g, _))| g.name != game.name) {
                bail!(
                    "level file '{}' mixes games ('{}' and '{}' at level {}): play needs levels of one game",
                    path.display(),
                    game.name,
                    other.name,
                    line + 1
                );
            }
            let difficulty = loaded[0].1.difficulty;
            (game, difficulty, Levels::File(loaded.into_iter().map(|(_, l)| l).collect(), 0))
        }
        None => (args.game, args.difficulty, Levels::Seeds(args.seed)),
    };
    // The video file is checked (format, folder, ffmpeg) before the game starts.
    let recorder = match &args.record {
        Some(path) => {
            let (width, height) = video::frame_size(RECORD_SCALE);
            Some(VideoWriter::create(path, width, height, RECORD_FPS)?)
        }
        None => None,
    };
    let mut session = Session::new(game, difficulty, args.view, levels, recorder)?;
    match &args.keys {
        Some(script) => play_script(&mut session, script)?,
        None => play_in_terminal(&mut session, args.look)?,
    }
    session.finish_recording()
}

/// Plays `script` until it runs out or the episode ends, then prints the frame and outcome.
fn play_script(session: &mut Session, script: &KeyScript) -> anyhow::Result<()> {
    let (mut ignored, mut unplayed) = (0, 0);
    for (i, key) in script.0.iter().enumerate() {
        if session.ending.is_some() {
            unplayed = script.0.len() - i;
            break;
        }
        match key.action(session.game()) {
            Some(action) => session.play(action)?,
            None => ignored += 1,
        }
    }
    let mut text = session.text_frame()?;
    text.push_str(&session.status());
    text.push('\n');
    text.push_str(&session.outcome());
    if ignored > 0 {
        text.push_str(&format!(", {ignored} key(s) ignored: {} has no action for them", session.game().name));
    }
    if unplayed > 0 {
        text.push_str(&format!(", {unplayed} key(s) left after the episode ended"));
    }
    text.push('\n');
    emit(None, |out| out.write_all(text.as_bytes()))
}

fn play_in_terminal(session: &mut Session, look: Look) -> anyhow::Result<()> {
    let mut screen = Screen::enter()?;
    loop {
        screen.draw(session, look)?;
        let Event::Key(key) = event::read().map_err(fault)? else { continue };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        match Command::from_event(&key) {
            Some(Command::Quit) => return Ok(()),
            Some(Command::Restart) => session.restart()?,
            Some(Command::NextLevel) => session.next_level()?,
            Some(Command::Play(k)) => {
                if let Some(action) = k.action(session.game()) {
                    session.play(action)?;
                }
            }
            None => {}
        }
    }
}

/// The terminal in raw mode on the alternate screen; dropping it restores the terminal, on
/// every way out (return, error, panic unwinding). Ctrl-C arrives as a key in raw mode.
struct Screen {
    out: io::Stdout,
}

impl Screen {
    fn enter() -> anyhow::Result<Screen> {
        terminal::enable_raw_mode().context("cannot switch the terminal to raw mode").map_err(fault)?;
        let mut screen = Screen { out: io::stdout() };
        execute!(screen.out, EnterAlternateScreen, Hide).map_err(fault)?;
        Ok(screen)
    }

    fn draw(&mut self, session: &Session, look: Look) -> anyhow::Result<()> {
        let mut buf = Vec::with_capacity(1 << 17);
        let frame = match look {
            Look::Blocks => Frame::Blocks(session.env.render(0)?),
            Look::Text => Frame::Text(session.text_frame()?),
        };
        let (need_w, need_h) = frame.size();
        let (have_w, have_h) = terminal::size().map_err(fault)?;
        let first_free_row = if have_w < need_w || have_h < need_h + 3 {
            let note = format!(
                "the terminal is {have_w}x{have_h}: this view needs {need_w}x{}; enlarge it or try --look text (q quits)",
                need_h + 3
            );
            queue!(buf, MoveTo(0, 0), Print(note), Clear(ClearType::UntilNewLine)).map_err(fault)?;
            1
        } else {
            frame.queue(&mut buf).map_err(fault)?
        };
        for (line, row) in [session.status(), key_help(session.game())].into_iter().zip(first_free_row..) {
            queue!(buf, MoveTo(0, row), Print(line), Clear(ClearType::UntilNewLine)).map_err(fault)?;
        }
        queue!(buf, Clear(ClearType::FromCursorDown)).map_err(fault)?;
        self.out.write_all(&buf).and_then(|()| self.out.flush()).map_err(fault)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // Best effort: if the terminal is gone there is nothing left to restore.
        let _ = execute!(self.out, ResetColor, Show, LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

/// What the screen shows of the level.
enum Frame {
    Blocks(Picture),
    Text(String),
}

impl Frame {
    /// Columns and rows it takes.
    fn size(&self) -> (u16, u16) {
        let clamp = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
        match self {
            Frame::Blocks(p) => (clamp(p.width), clamp(p.height.div_ceil(2))),
            Frame::Text(t) => (clamp(t.lines().map(str::len).max().unwrap_or(0)), clamp(t.lines().count())),
        }
    }

    /// Queues the frame from the top-left corner; returns the first free row.
    fn queue(&self, buf: &mut Vec<u8>) -> io::Result<u16> {
        let mut row = 0;
        match self {
            Frame::Blocks(p) => {
                let color = |x: usize, y: usize| {
                    let i = (y.min(p.height - 1) * p.width + x) * 3;
                    Color::Rgb { r: p.pixels[i], g: p.pixels[i + 1], b: p.pixels[i + 2] }
                };
                for y in (0..p.height).step_by(2) {
                    queue!(buf, MoveTo(0, row))?;
                    for x in 0..p.width {
                        queue!(buf, SetForegroundColor(color(x, y)), SetBackgroundColor(color(x, y + 1)), Print('▀'))?;
                    }
                    queue!(buf, ResetColor, Clear(ClearType::UntilNewLine))?;
                    row += 1;
                }
            }
            Frame::Text(t) => {
                for line in t.lines() {
                    queue!(buf, MoveTo(0, row), Print(line), Clear(ClearType::UntilNewLine))?;
                    row += 1;
                }
            }
        }
        Ok(row)
    }
}

/// One line naming the keys that do something in `game`.
fn key_help(game: &GameDef) -> String {
    let has = |k: Key| k.action(game).is_some();
    let mut parts = Vec::new();
    let arrows: String = [(Key::Left, '←'), (Key::Right, '→'), (Key::Up, '↑'), (Key::Down, '↓')]
        .iter()
        .filter(|(k, _)| has(*k))
        .map(|(_, c)| *c)
        .collect();
    if !arrows.is_empty() {
        parts.push(format!("{arrows} move"));
    }
    if game.actions.contains(&"jump") {
        parts.push("space jump".into());
    }
    if has(Key::Fire) {
        parts.push("f or space fire".into());
    }
    if game.actions.iter().any(|a| a.ends_with("_jump")) {
        parts.push("shift+←/→ jump sideways".into());
    }
    if has(Key::Wait) {
        parts.push(". wait".into());
    }
    parts.extend(["r restart", "n next level", "q quit"].map(String::from));
    parts.join("  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_envs::games::maze;
    use ludica_procgen::SpawnKind;

    #[test]
    fn keys_map_by_action_name_and_missing_ones_are_none() {
        let game = &maze::GAME;
        assert_eq!(Key::Left.action(game), Some(1));
        assert_eq!(Key::Down.action(game), Some(4));
        assert_eq!(Key::Wait.action(game), Some(0));
        assert_eq!(Key::Jump.action(game), None, "maze has no jump");
        assert!(!key_help(game).contains("jump"));
    }

    #[test]
    fn every_key_of_the_platformer_plays_its_own_action() {
        let game = &ludica_envs::games::runner::GAME;
        let name = |k: Key| k.action(game).map(|id| game.actions[id as usize]);
        assert_eq!(name(Key::JumpLeft), Some("left_jump"));
        assert_eq!(name(Key::JumpRight), Some("right_jump"));
        assert_eq!(name(Key::Up), Some("jump"));
        assert_eq!(name(Key::Down), None, "runner has no down");
    }

    #[test]
    fn scripts_parse_and_name_a_bad_key() {
        let script: KeyScript = "rr, d.L <".parse().unwrap();
        let want = [Key::Right, Key::Right, Key::Down, Key::Wait, Key::Left, Key::JumpLeft];
        assert_eq!(script.0, want);
        let err = "RRx".parse::<KeyScript>().unwrap_err();
        assert!(err.contains("'x' at position 2"), "{err}");
    }

    #[test]
    fn the_text_frame_starts_as_the_level_and_shows_the_move() {
        let mut session = Session::new(&maze::GAME, Difficulty::EASY, ViewMode::Full, Levels::Seeds(3), None).unwrap();
        let level = maze::GAME.level(3, Difficulty::EASY);
        assert_eq!(session.text_frame().unwrap(), level.to_ascii());
        let agent = level.first(SpawnKind::Agent).unwrap().tile();
        let open = [(Key::Left, -1, 0), (Key::Right, 1, 0), (Key::Up, 0, -1), (Key::Down, 0, 1)]
            .into_iter()
            .find(|(_, dx, dy)| !level.tile(agent.0 as i32 + dx, agent.1 as i32 + dy).is_solid())
            .expect("a maze agent has an open neighbour");
        session.play(open.0.action(&maze::GAME).unwrap()).unwrap();
        let frame = session.text_frame().unwrap();
        let (x, y) = ((agent.0 as i32 + open.1) as usize, (agent.1 as i32 + open.2) as usize);
        assert_eq!(frame.lines().nth(y).unwrap().chars().nth(x), Some('A'), "{frame}");
        assert_eq!(session.steps, 1);
    }
}
