//! Paging through list endpoints: every page, or every item, as an async `Stream` or a blocking
//! `Iterator`.
//!
//! Each list endpoint of the spec gets `pages()` and `items()` on its request:
//!
//! ```no_run
//! # async fn run(client: baijiayun::Client) -> baijiayun::Result<()> {
//! use futures_util::TryStreamExt;
//! use baijiayun::types::ProductType;
//!
//! let playbacks: Vec<_> = client.get_list_paged(ProductType::LargeClass).items().try_collect().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Where the plain method asks for a page and a page size (`get_list`), its paged form
//! (`get_list_paged`) does not: it starts at page 1 with the largest page the spec allows.
//! Paging starts at the request's page, asks for the largest page the spec allows unless a page
//! size was given, and stops when the items seen reach the total or a page comes back empty. Every
//! page goes through the client, so the rate limit and retries apply. An error ends the stream
//! after it is yielded; it is never swallowed.

use std::collections::VecDeque;
use std::future::Future;

use futures_core::Stream;

use crate::call::error::Result;
use crate::call::wire::Endpoint;

/// A request that pages (implemented for the spec's list endpoints).
pub trait Paginated: Endpoint + Clone {
    /// One item of a page.
    type Item;

    /// The page this request asks for (from 1).
    fn page(&self) -> i64;

    /// Asks for page `page` instead.
    fn set_page(&mut self, page: i64);

    /// Asks for the largest page the spec allows, unless a page size was set.
    fn use_largest_page(&mut self);

    /// The total number of items a page reports.
    fn total(page: &Self::Output) -> i64;

    /// How many items a page holds.
    fn count(page: &Self::Output) -> usize;

    /// A page's items.
    fn into_items(page: Self::Output) -> Vec<Self::Item>;
}

/// Where a pager is.
struct Pager<R> {
    next: Option<R>,
    seen: i64,
}

impl<R: Paginated> Pager<R> {
    fn new(mut first: R) -> Self {
        first.use_largest_page();
        Pager {
            next: Some(first),
            seen: 0,
        }
    }

    /// After `request` brought `page`: what to ask for next, if anything.
    fn advance(&mut self, request: &R, page: &R::Output) {
        let (count, total) = (R::count(page), R::total(page));
        self.seen += i64::try_from(count).unwrap_or(i64::MAX);
        self.next = (count > 0 && self.seen < total).then(|| {
            let mut next = request.clone();
            next.set_page(request.page() + 1);
            next
        });
    }
}

/// Every page, fetched with `fetch`, as a stream.
#[doc(hidden)]
pub fn pages<R, F, Fut>(first: R, fetch: F) -> impl Stream<Item = Result<R::Output>>
where
    R: Paginated,
    F: FnMut(R) -> Fut,
    Fut: Future<Output = Result<R::Output>>,
{
    futures_util::stream::unfold(
        (Pager::new(first), fetch),
        |(mut pager, mut fetch)| async move {
            let request = pager.next.take()?;
            let page = fetch(request.clone()).await;
            if let Ok(page) = &page {
                pager.advance(&request, page);
            }
            Some((page, (pager, fetch)))
        },
    )
}

/// Every item, page after page, as a stream.
#[doc(hidden)]
pub fn items<R, F, Fut>(first: R, fetch: F) -> impl Stream<Item = Result<R::Item>>
where
    R: Paginated,
    F: FnMut(R) -> Fut,
    Fut: Future<Output = Result<R::Output>>,
{
    use futures_util::StreamExt;
    pages(first, fetch).flat_map(|page| {
        let items: Vec<Result<R::Item>> = match page {
            Ok(page) => R::into_items(page).into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        futures_util::stream::iter(items)
    })
}

/// Every page, fetched with `fetch`, as an iterator.
#[doc(hidden)]
pub fn page_iter<R, F>(first: R, mut fetch: F) -> impl Iterator<Item = Result<R::Output>>
where
    R: Paginated,
    F: FnMut(R) -> Result<R::Output>,
{
    let mut pager = Pager::new(first);
    std::iter::from_fn(move || {
        let request = pager.next.take()?;
        let page = fetch(request.clone());
        if let Ok(page) = &page {
            pager.advance(&request, page);
        }
        Some(page)
    })
}

/// Every item, page after page, as an iterator.
#[doc(hidden)]
pub fn item_iter<R, F>(first: R, fetch: F) -> impl Iterator<Item = Result<R::Item>>
where
    R: Paginated,
    F: FnMut(R) -> Result<R::Output>,
{
    let mut pages = page_iter(first, fetch);
    let mut buffer: VecDeque<R::Item> = VecDeque::new();
    std::iter::from_fn(move || {
        loop {
            if let Some(item) = buffer.pop_front() {
                return Some(Ok(item));
            }
            match pages.next()? {
                Ok(page) => buffer.extend(R::into_items(page)),
                Err(e) => return Some(Err(e)),
            }
        }
    })
}
