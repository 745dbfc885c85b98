//! `dateline import wordpress`: a WordPress export read twice — first whole, to check it
//! and learn its authors, terms and images ([`survey`]), writing nothing; then item by item
//! into one transaction ([`import_wordpress`]), which a bad item or a failed write rolls
//! back entirely. The second pass reads on a blocking thread and hands items over a small
//! queue, so reading and writing overlap and memory stays that of a few posts.

use std::path::Path;

use dateline_persistence::{Store, StoreError};
use dateline_wordpress::survey::{located, open};
use dateline_wordpress::{Item, Record, Report, Survey, WxrError};

/// Items read ahead of the one being written.
const READ_AHEAD: usize = 32;

/// Why an import did not happen; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Export(#[from] WxrError),
    #[error("writing to the database: {0}")]
    Store(#[from] StoreError),
    #[error("the reader of the export stopped: {0}")]
    Reader(String),
}

/// The first pass over the export at `path` (blocking: run it off the async threads).
pub fn survey(path: &Path) -> Result<Survey, WxrError> {
    dateline_wordpress::survey(path)
}

/// The second pass: imports the export at `path`, which `survey` describes, calling
/// `progress` with the number of posts read so far.
pub async fn import_wordpress(
    store: &Store,
    path: &Path,
    survey: &Survey,
    progress: impl Fn(usize),
) -> Result<Report, ImportError> {
    let (sender, mut items) = tokio::sync::mpsc::channel(READ_AHEAD);
    let reader = tokio::task::spawn_blocking({
        let path = path.to_owned();
        move || read_items(&path, &sender)
    });
    let mut import = store.begin_wordpress_import(survey).await?;
    let mut posts = 0;
    while let Some(item) = items.recv().await {
        let item = item?;
        import.import_item(&item).await?;
        if item.post_type == "post" {
            posts += 1;
            progress(posts);
        }
    }
    reader
        .await
        .map_err(|e| ImportError::Reader(e.to_string()))?;
    Ok(import.finish().await?)
}

/// Sends every item of the export at `path`, or the problem that stopped the reading.
fn read_items(path: &Path, sender: &tokio::sync::mpsc::Sender<Result<Box<Item>, WxrError>>) {
    let mut reader = match open(path) {
        Ok(reader) => reader,
        Err(error) => {
            let _ = sender.blocking_send(Err(error));
            return;
        }
    };
    loop {
        let next = match reader.next_record() {
            Ok(Some(Record::Item(item))) => Ok(item),
            Ok(Some(_)) => continue,
            Ok(None) => return,
            Err(malformed) => Err(located(path, malformed)),
        };
        let failed = next.is_err();
        // A closed queue means the import stopped: nothing more to read for.
        if sender.blocking_send(next).is_err() || failed {
            return;
        }
    }
}
