//! The marketplace screen: the integrations the organization lists for its customers, which
//! are deployed for this customer, a search (and the SDK's `SET_FILTERS`: `marketplace.
//! includeActiveIntegrations`, where `false` leaves out the ones deployed).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::{failed, fragment, Embedder};
use crate::layout::empty;
use crate::Console;

/// The screen's query.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceQuery {
    /// Text to look for.
    #[serde(default)]
    search: String,
    /// `false`: leave out the integrations this customer has deployed.
    #[serde(default)]
    include_active_integrations: Option<bool>,
}

/// `GET /embedded/screens/marketplace`.
pub async fn screen(
    State(console): State<Console>,
    me: Embedder,
    Query(q): Query<MarketplaceQuery>,
) -> Response {
    let items = match console.services.marketplace(&me.caller, &q.search).await {
        Ok(i) => i,
        Err(e) => return failed(e),
    };
    let include_active = q.include_active_integrations.unwrap_or(true);
    let items: Vec<_> = items
        .into_iter()
        .filter(|i| include_active || i.instances.is_empty())
        .collect();
    fragment(
        StatusCode::OK,
        html! {
            div.marketplace data-view="marketplace" {
                div.toolbar {
                    h1 { "Integrations" }
                    form.search data-search {
                        label.sr-only for="search" { "Search integrations" }
                        input type="search" id="search" name="search" placeholder="Search" value=(q.search);
                        button.secondary type="submit" { "Search" }
                    }
                }
                @if items.is_empty() {
                    (empty("No integrations found.", "Nothing is listed in the marketplace yet, or nothing matches."))
                }
                div.cards {
                    @for item in &items {
                        @let gid = plumb_core::id::encode("Integration", item.version.id);
                        article.card data-integration=(item.version.name) {
                            h2 { (item.version.name) }
                            @if !item.instances.is_empty() { span.status.ok { "Active" } }
                            @if !item.version.description.is_empty() { p.muted { (item.version.description) } }
                            @if !item.listing.overview.is_empty() { p.overview { (item.listing.overview) } }
                            div.actions {
                                @for i in &item.instances {
                                    @let igid = plumb_core::id::encode("Instance", i.id);
                                    button.secondary type="button" data-open=(format!("instanceId={igid}")) {
                                        "Configure " (i.name)
                                    }
                                }
                                @if item.deployable() {
                                    button type="button" data-open=(format!("integrationId={gid}")) {
                                        "Activate"
                                    }
                                } @else if item.instances.is_empty() {
                                    span.muted { "Ask us to activate it." }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
