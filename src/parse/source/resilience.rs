//! Resilience written in code: a breaker, retry or timeout policy the code wraps its calls or
//! clients in (`Fact::Guard`), as a table of patterns with a trigger substring each. The
//! policy's name (`@CircuitBreaker(name = "product")`, the Feign client's name, the named
//! `HttpClient`) says which callee it guards when it names one.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location};
use std::sync::LazyLock;

/// One policy form. `n` (when present) captures the policy's or the client's name; `t` the
/// generic arguments of a typed .NET client (`AddHttpClient<ICart, CartClient>`).
struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    regex: &'static str,
    /// What the policy is, for evidence.
    policy: &'static str,
}

/// The catalog. A reader can scan it: library, form, what it guards.
const PATTERNS: &[Pattern] = &[
    // opossum (Node): `new CircuitBreaker(callService, options)`.
    Pattern {
        trigger: "CircuitBreaker",
        regex: r"\bnew\s+CircuitBreaker\s*\(",
        policy: "opossum circuit breaker",
    },
    // resilience4j annotations: `@CircuitBreaker(name = "product")`, `@Retry`, `@TimeLimiter`,
    // `@Bulkhead`.
    Pattern {
        trigger: "@CircuitBreaker",
        regex: r#"@CircuitBreaker\s*\(\s*(?:name\s*=\s*)?"(?P<n>[^"]*)""#,
        policy: "resilience4j @CircuitBreaker",
    },
    Pattern {
        trigger: "@Retry",
        regex: r#"@Retry\s*\(\s*(?:name\s*=\s*)?"(?P<n>[^"]*)""#,
        policy: "resilience4j @Retry",
    },
    Pattern {
        trigger: "@TimeLimiter",
        regex: r#"@TimeLimiter\s*\(\s*(?:name\s*=\s*)?"(?P<n>[^"]*)""#,
        policy: "resilience4j @TimeLimiter",
    },
    Pattern {
        trigger: "@Bulkhead",
        regex: r#"@Bulkhead\s*\(\s*(?:name\s*=\s*)?"(?P<n>[^"]*)""#,
        policy: "resilience4j @Bulkhead",
    },
    // resilience4j and Spring Cloud CircuitBreaker in code: `CircuitBreaker.ofDefaults("x")`,
    // `circuitBreakerRegistry.circuitBreaker("x")`, `circuitBreakerFactory.create("x")`.
    Pattern {
        trigger: "CircuitBreaker",
        regex: r#"(?i:circuitBreaker(?:Registry|Factory)?)\s*\.\s*(?:of|ofDefaults|create|circuitBreaker)\(\s*"(?P<n>[^"]*)""#,
        policy: "circuit breaker",
    },
    // Hystrix (Java): `@HystrixCommand(fallbackMethod = …)`.
    Pattern {
        trigger: "@HystrixCommand",
        regex: r#"@HystrixCommand\b(?:\s*\([^)]*?\bcommandKey\s*=\s*"(?P<n>[^"]*)")?"#,
        policy: "Hystrix @HystrixCommand",
    },
    // Feign with a fallback: `@FeignClient(name = "cart", fallback = CartFallback.class)`.
    Pattern {
        trigger: "@FeignClient",
        regex: r#"@FeignClient\s*\((?:[^)]*?\b(?:name|value)\s*=\s*|\s*)"(?P<n>[^"]*)"[^)]*?\bfallback(?:Factory)?\s*="#,
        policy: "Feign client fallback",
    },
    // Spring Retry: `@Retryable` (not Kafka's `@RetryableTopic`).
    Pattern {
        trigger: "@Retryable",
        regex: r"@Retryable\b",
        policy: "Spring Retry @Retryable",
    },
    // .NET: a resilience handler or Polly policy on a named or typed HttpClient, or on every
    // HttpClient (`ConfigureHttpClientDefaults`, as .NET Aspire's service defaults do).
    Pattern {
        trigger: "AddHttpClient",
        regex: r#"AddHttpClient(?:<(?P<t>[^>]*)>)?\(\s*(?:"(?P<n>[^"]*)")?[^;]*?\.\s*(?:AddStandardResilienceHandler|AddResilienceHandler|AddStandardHedgingHandler|AddPolicyHandler|AddTransientHttpErrorPolicy)\s*\("#,
        policy: ".NET resilience handler on HttpClient",
    },
    Pattern {
        trigger: "ConfigureHttpClientDefaults",
        regex: r"ConfigureHttpClientDefaults[^;]*?\.\s*(?:AddStandardResilienceHandler|AddResilienceHandler|AddPolicyHandler)\s*\(",
        policy: ".NET resilience handler on every HttpClient",
    },
    Pattern {
        trigger: "Policy",
        regex: r"\bPolicy\s*(?:<[^>]*>)?\s*\.\s*(?:Handle|HandleResult|Timeout|TimeoutAsync)\b|\bnew\s+ResiliencePipelineBuilder\b",
        policy: "Polly policy",
    },
    // Go: sony/gobreaker (`gobreaker.Settings{Name: "user"}`, `gobreaker.NewCircuitBreaker`),
    // afex/hystrix-go (`hystrix.Do("user", …)`, `hystrix.ConfigureCommand("user", …)`).
    Pattern {
        trigger: "gobreaker",
        regex: r#"gobreaker\.Settings\s*\{[^}]*?\bName:\s*"(?P<n>[^"]*)"|gobreaker\.New(?:TwoStep)?CircuitBreaker\b"#,
        policy: "gobreaker circuit breaker",
    },
    Pattern {
        trigger: "hystrix.",
        regex: r#"\bhystrix\.(?:ConfigureCommand|Do|Go|DoC|GoC)\(\s*(?:ctx\s*,\s*)?"(?P<n>[^"]*)""#,
        policy: "hystrix-go command",
    },
    // Timeouts on the client or the call: Python requests/httpx `timeout=`, Go
    // `http.Client{Timeout: …}`, axios `axios.create({ timeout })`.
    Pattern {
        trigger: "timeout",
        regex: r"\b(?:requests|httpx|session|client)\.(?:get|post|put|patch|delete|head|request)\((?s:[^;]{0,400}?)\btimeout\s*=",
        policy: "HTTP call timeout",
    },
    Pattern {
        trigger: "http.Client",
        regex: r"\bhttp\.Client\s*\{[^}]*\bTimeout\s*:",
        policy: "net/http client timeout",
    },
    Pattern {
        trigger: "axios",
        regex: r"\baxios\.create\(\s*\{[^}]*\btimeout\s*:",
        policy: "axios client timeout",
    },
];

pub(super) static COMPILED: LazyLock<Triggered> = LazyLock::new(|| {
    Triggered::new(
        Table::Resilience,
        PATTERNS.iter().map(|p| (p.trigger, p.regex)),
    )
});

/// The longest evidence text kept from a match.
const MAX_TEXT: usize = 120;

pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    let active = COMPILED.active(hits);
    if active.is_empty() {
        return;
    }
    let index = LineIndex::new(text);
    for (i, regex) in active {
        for cap in regex.captures_iter(text) {
            let Some(m) = cap.get(0) else { continue };
            let name = cap
                .name("n")
                .map(|n| n.as_str().trim().to_string())
                .or_else(|| typed_client(cap.name("t").map(|t| t.as_str())))
                .filter(|n| !n.is_empty());
            let (line, column) = index.position(text, m.start());
            let first = m.as_str().lines().next().unwrap_or_default();
            facts.push(Fact::Guard {
                policy: PATTERNS[i].policy.to_string(),
                name,
                text: first.chars().take(MAX_TEXT).collect(),
                location: Location::new(path, line, column),
            });
        }
    }
}

/// The implementation type of a typed client names it: `ICartService, CartService` → `CartService`.
fn typed_client(generics: Option<&str>) -> Option<String> {
    let last = generics?.rsplit(',').next()?.trim();
    Some(last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Vec<(String, Option<String>)> {
        let mut facts = Vec::new();
        scan("a.src", src, &Hits::of(src), &mut facts);
        facts
            .into_iter()
            .map(|f| match f {
                Fact::Guard { policy, name, .. } => (policy, name),
                _ => unreachable!(),
            })
            .collect()
    }

    fn g(p: &str, n: Option<&str>) -> (String, Option<String>) {
        (p.to_string(), n.map(str::to_string))
    }

    #[test]
    fn policies_per_library() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "const breaker = new CircuitBreaker(callCart, options);",
                "opossum circuit breaker",
                None,
            ),
            (
                "@CircuitBreaker(name = \"product\", fallbackMethod = \"fb\")",
                "resilience4j @CircuitBreaker",
                Some("product"),
            ),
            (
                "@Retry(name = \"restApi\")",
                "resilience4j @Retry",
                Some("restApi"),
            ),
            (
                "@HystrixCommand(fallbackMethod = \"fb\")",
                "Hystrix @HystrixCommand",
                None,
            ),
            (
                "@FeignClient(name = \"cart\", fallback = CartFallback.class)",
                "Feign client fallback",
                Some("cart"),
            ),
            (
                "@Retryable(maxAttempts = 3)",
                "Spring Retry @Retryable",
                None,
            ),
            (
                "services.AddHttpClient<IBasketService, BasketService>(c => c.BaseAddress = u)\n    .AddStandardResilienceHandler();",
                ".NET resilience handler on HttpClient",
                Some("BasketService"),
            ),
            (
                "builder.Services.ConfigureHttpClientDefaults(http => { http.AddStandardResilienceHandler(); });",
                ".NET resilience handler on every HttpClient",
                None,
            ),
            (
                "var cb = gobreaker.NewCircuitBreaker(gobreaker.Settings{Name: \"user\"})",
                "gobreaker circuit breaker",
                Some("user"),
            ),
            (
                "r = requests.get(url,\n    headers=h, timeout=app.config['BACKEND_TIMEOUT'])",
                "HTTP call timeout",
                None,
            ),
            (
                "c := &http.Client{Timeout: 5 * time.Second}",
                "net/http client timeout",
                None,
            ),
            (
                "const api = axios.create({ baseURL: u, timeout: 2000 });",
                "axios client timeout",
                None,
            ),
            (
                "err := hystrix.Do(\"geo\", func() error { return nil }, nil)",
                "hystrix-go command",
                Some("geo"),
            ),
        ];
        for (src, policy, name) in cases {
            assert!(
                run(src).contains(&g(policy, *name)),
                "{src}: {:?}",
                run(src)
            );
        }
    }

    #[test]
    fn near_misses() {
        for src in [
            "@RetryableTopic(attempts = \"3\")",
            "@FeignClient(name = \"cart\")",
            "services.AddHttpClient<IBasketService, BasketService>();",
            "import io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker;",
            "String policy = \"retry\";",
            "r = requests.get(url)",
            "c := &http.Client{}",
        ] {
            assert!(run(src).is_empty(), "{src}: {:?}", run(src));
        }
    }
}
