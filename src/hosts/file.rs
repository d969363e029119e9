//! Reading a host's config file and writing it back: atomically (a
//! temporary file in the same directory, flushed, then renamed over the
//! old one, so the host never reads half a file), after copying the old
//! one to `<file>.bak`, and through a symlink to the file it points at
//! (dotfile managers link these files; replacing the link would cut it).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file to edit: `path`, or what it links to.
pub fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or(path.into()),
        _ => path.to_path_buf(),
    }
}

/// The file's text, or `None` when there is no file yet.
pub fn read(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("reading {}: {e}", path.display())),
    }
}

/// Where the copy of the old file goes.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// Write `text` to `path` atomically. An existing file is copied to
/// [`backup_path`] first (returned); a missing one is created, with its
/// directory. The new file keeps the old one's permissions.
pub fn write(path: &Path, text: &str) -> anyhow::Result<Option<PathBuf>> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
    let existing = std::fs::metadata(path).ok();
    let backup = if existing.is_some() {
        let backup = backup_path(path);
        std::fs::copy(path, &backup)
            .map_err(|e| anyhow::anyhow!("backing up to {}: {e}", backup.display()))?;
        Some(backup)
    } else {
        None
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(path.file_name().unwrap_or_default());
    tmp_name.push(format!(".mcp-tether-{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Some(m) = &existing {
            std::fs::set_permissions(&tmp, m.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("writing {}: {e}", path.display());
    }
    Ok(backup)
}

/// A short line diff of `old` → `new`: the changed lines with two lines of
/// context, in the style of `diff -u` (one hunk: every edit `add` and
/// `remove` make is in one place).
pub fn diff(path: &Path, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix.saturating_sub(2);
    let a_end = (a.len() - suffix + 2).min(a.len());
    let b_end = (b.len() - suffix + 2).min(b.len());
    let mut out = format!(
        "--- {p}\n+++ {p}\n@@ -{},{} +{},{} @@\n",
        start + 1,
        a_end - start,
        start + 1,
        b_end - start,
        p = path.display()
    );
    for line in &a[start..prefix] {
        out.push_str(&format!(" {line}\n"));
    }
    for line in &a[prefix..a.len() - suffix] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &b[prefix..b.len() - suffix] {
        out.push_str(&format!("+{line}\n"));
    }
    for line in &a[a.len() - suffix..a_end] {
        out.push_str(&format!(" {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_one_hunk_with_context() {
        let old = "{\n  \"a\": 1,\n  \"b\": 2\n}\n";
        let new = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n";
        let d = diff(Path::new("f.json"), old, new);
        assert!(
            d.contains("-  \"b\": 2\n+  \"b\": 2,\n+  \"c\": 3\n }\n"),
            "{d}"
        );
    }

    #[test]
    fn write_keeps_a_backup_and_creates_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("c.json");
        assert_eq!(write(&path, "one").unwrap(), None);
        let backup = write(&path, "two").unwrap().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_to_string(backup).unwrap(), "one");
        // Only the file and its backup: no temporary file left behind.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            2
        );
    }
}
