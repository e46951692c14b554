//! Resuming offset paging after the page size changed: a checkpoint says "next page N of size S",
//! and a run with another size (a changed `--page-size`, or a restart with other flags) must start
//! where that one stopped, never after it.

/// The page of `size` items to read next, given a checkpoint at page `next_page` of `saved` items.
/// A checkpoint without its size (written before sizes were recorded) starts again at page 1:
/// reading a page twice costs a request, skipping one would lose rows.
pub(crate) fn resume_page(next_page: i64, saved: Option<i64>, size: i64) -> i64 {
    let next_page = next_page.max(1);
    match saved {
        Some(saved) if saved == size => next_page,
        Some(saved) if saved > 0 && size > 0 => {
            // The items already covered, rounded down to a whole page of the new size.
            (next_page - 1).saturating_mul(saved) / size + 1
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::resume_page;

    #[test]
    fn a_new_size_resumes_at_or_before_the_items_covered() {
        assert_eq!(resume_page(7, Some(20), 20), 7);
        // 120 items covered: page 1 of 1000 again; page 7 of 20.
        assert_eq!(resume_page(7, Some(20), 1000), 1);
        assert_eq!(resume_page(2, Some(1000), 20), 51);
        assert_eq!(resume_page(4, Some(30), 20), 5); // 90 items: pages 1-4 of 20 are 80
        assert_eq!(resume_page(5, None, 20), 1);
        assert_eq!(resume_page(0, Some(20), 20), 1);
        for (next, saved, size) in [(9, 10, 7), (3, 7, 10), (100, 3, 1000), (13, 1000, 1)] {
            let page = resume_page(next, Some(saved), size);
            assert!(
                (page - 1) * size <= (next - 1) * saved,
                "{next}/{saved} -> {page}/{size} skips items"
            );
        }
    }
}
