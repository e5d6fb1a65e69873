//! The workload's instances as last observed: state, load and restarts.

use leptos::prelude::*;

use crate::model::workload::WorkloadDetail;

/// The instance table of the workload page.
#[component]
pub fn InstanceTable(state: RwSignal<WorkloadDetail>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="instances-title">
            <h2 id="instances-title">"Instances"</h2>
            <div class="table-wrap">
                <table id="instance-table">
                    <thead><tr>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"State"</th>
                        <th scope="col" class="num">"CPU of request"</th>
                        <th scope="col" class="num">"Restarts"</th>
                    </tr></thead>
                    <tbody>
                        {move || state.get().instances.into_iter().map(|i| {
                            let class = match i.state.as_str() {
                                "ready" => "badge ok", "failed" => "badge bad", _ => "badge warn",
                            };
                            view! { <tr>
                                <td class="mono">{i.instance}</td>
                                <td><span class=class>{i.state.replace('_', " ")}</span></td>
                                <td class="num">{i.load.map(|l| format!("{l:.0} %")).unwrap_or_else(|| "missing".into())}</td>
                                <td class="num">{i.restarts}</td>
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
