//! Messages in source code, as a data table of patterns: the topics, queues and exchanges a
//! file's code sends to (`kafkaTemplate.send("order", …)`, `ch.Publish("orders", …)`) or takes
//! from (`@KafkaListener(topics = "order")`, `@RabbitListener(queues = "q")`), with the side
//! (`Fact::Message`). Cheap trigger substrings are checked before any regex runs.

use super::{Hits, LineIndex, Table, Triggered};
use crate::model::{Fact, Location, MessageRole};
use regex::Regex;
use std::sync::LazyLock;

/// One declaration form. `t` captures the topic, or `list` a `{…}`/`[…]` list of quoted
/// topics (or a single quoted one).
struct Pattern {
    /// A substring every match contains, checked before the regex runs (case-insensitive).
    trigger: &'static str,
    regex: &'static str,
    side: Side,
    technology: Option<&'static str>,
    /// What the object the call is made on (`v`) must be.
    receiver: Receiver,
}

enum Side {
    Is(MessageRole),
    /// The name `v` says which side (`pkgPublisher.ExchangeName`, `kafka.ReaderConfig{…}`).
    Named,
    /// A consumer only in a file that consumes (`.Consume(`, `QueueBind(`) and sends nothing:
    /// both sides declare an exchange.
    ConsumerIfConsuming,
}

enum Receiver {
    Any,
    /// A file that names this substring (case-insensitive): `amqp` for Go's `ch.Publish`.
    FileNames(&'static str),
    /// `v` names the technology (`kafkaTemplate`), or the file declares `v` with one of these
    /// types (`KafkaTemplate<String, Order> template`).
    Typed(&'static str, &'static str),
}

const PATTERNS: &[Pattern] = &[
    // Spring Kafka `@KafkaListener(topics = "order")`, `topics = {"a", "b"}`.
    Pattern {
        trigger: "@KafkaListener",
        regex: r#"@KafkaListener\s*\((?:[^()]|\([^()]*\))*?\btopics\s*=\s*(?P<list>\{[^}]*\}|"[^"\n]*")"#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("kafka"),
        receiver: Receiver::Any,
    },
    // Spring Kafka `kafkaTemplate.send("order", …)`, `template.send("order", …)` on a
    // `KafkaTemplate<…> template`.
    Pattern {
        trigger: ".send",
        regex: r#"\b(?P<v>\w+)\s*\.\s*send(?:Default)?\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Producer),
        technology: Some("kafka"),
        receiver: Receiver::Typed("kafka", "KafkaTemplate|ReactiveKafkaProducerTemplate"),
    },
    // kafkajs `producer.send({ topic: 'orders', … })`.
    Pattern {
        trigger: ".send",
        regex: r#"\.send\(\s*\{\s*topic\s*:\s*['"`](?P<t>[^'"`\n]*)['"`]"#,
        side: Side::Is(MessageRole::Producer),
        technology: Some("kafka"),
        receiver: Receiver::Any,
    },
    // kafkajs `consumer.subscribe({ topic: 'orders' })`, `{ topics: ['a', 'b'] }`.
    Pattern {
        trigger: ".subscribe",
        regex: r#"\.subscribe\(\s*\{\s*topics?\s*:\s*(?P<list>\[[^\]]*\]|['"`][^'"`\n]*['"`])"#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("kafka"),
        receiver: Receiver::Any,
    },
    // Go kafka-go `kafka.WriterConfig{Topic: "orders"}`, `&kafka.Writer{…}`,
    // `kafka.ReaderConfig{…}`; sarama `&sarama.ProducerMessage{Topic: "orders"}`.
    Pattern {
        trigger: "Topic:",
        regex: r#"\b(?:kafka|sarama)\.(?P<v>Writer|WriterConfig|Reader|ReaderConfig|ProducerMessage)\s*\{(?:[^{}]|\{[^{}]*\})*?\bTopic\s*:\s*"(?P<t>[^"\n]*)""#,
        side: Side::Named,
        technology: Some("kafka"),
        receiver: Receiver::Any,
    },
    // sarama `consumer.ConsumePartition("orders", 0, …)`.
    Pattern {
        trigger: "ConsumePartition",
        regex: r#"\.ConsumePartition\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("kafka"),
        receiver: Receiver::Any,
    },
    // Spring AMQP `@RabbitListener(queues = "q")`, `queues = {"a", "b"}`.
    Pattern {
        trigger: "@RabbitListener",
        regex: r#"@RabbitListener\s*\((?:[^()]|\([^()]*\))*?\bqueues\s*=\s*(?P<list>\{[^}]*\}|"[^"\n]*")"#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("rabbitmq"),
        receiver: Receiver::Any,
    },
    // Spring AMQP `@QueueBinding(…, exchange = @Exchange("orders"))`.
    Pattern {
        trigger: "@Exchange",
        regex: r#"@Exchange\(\s*(?:(?:value|name)\s*=\s*)?"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("rabbitmq"),
        receiver: Receiver::Any,
    },
    // Spring AMQP `rabbitTemplate.convertAndSend("exchange", …)`.
    Pattern {
        trigger: "convertAndSend",
        regex: r#"\b(?P<v>\w+)\s*\.\s*convertAndSend\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Producer),
        technology: Some("rabbitmq"),
        receiver: Receiver::Typed(
            "rabbit",
            "RabbitTemplate|AmqpTemplate|RabbitMessagingTemplate",
        ),
    },
    // Go amqp `ch.Publish("exchange", …)`, `ch.PublishWithContext(ctx, "exchange", …)`.
    Pattern {
        trigger: ".Publish",
        regex: r#"\.Publish(?:WithContext)?\(\s*(?:\w+\s*,\s*)?"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Producer),
        technology: Some("rabbitmq"),
        receiver: Receiver::FileNames("amqp"),
    },
    // Go amqp `ch.QueueBind(q.Name, "key", "exchange", …)`.
    Pattern {
        trigger: "QueueBind",
        regex: r#"\.QueueBind\(\s*[^,()\n]+,\s*[^,()\n]+,\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Consumer),
        technology: Some("rabbitmq"),
        receiver: Receiver::FileNames("amqp"),
    },
    // Go amqp `ch.ExchangeDeclare("exchange", …)` in a consuming file.
    Pattern {
        trigger: "ExchangeDeclare",
        regex: r#"\.ExchangeDeclare\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::ConsumerIfConsuming,
        technology: Some("rabbitmq"),
        receiver: Receiver::FileNames("amqp"),
    },
    // Dapr pub/sub subscriptions: .NET `[Topic("pubsub", "orders")]`, `[Topic(PUBSUB,
    // nameof(OrderPaid))]`; Java `@Topic(name = "orders", pubsubName = "pubsub")`.
    Pattern {
        trigger: "Topic(",
        regex: r#"\[\s*Topic\(\s*[^,()\n]+,\s*(?:"(?P<t>[^"\n]*)"|nameof\(\s*(?:\w+\.)*(?P<n>\w+)\s*\))"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "@Topic(",
        regex: r#"@Topic\((?:[^()]|\([^()]*\))*?\bname\s*=\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    // Dapr Go `&common.Subscription{PubsubName: "pubsub", Topic: "orders"}`, Python
    // `@app.subscribe(pubsub='pubsub', topic='orders')`, JS
    // `server.pubsub.subscribe("pubsub", "orders", …)`.
    Pattern {
        trigger: "Subscription{",
        regex: r#"\bSubscription\s*\{(?:[^{}]|\{[^{}]*\})*?\bTopic\s*:\s*"(?P<t>[^"\n]*)""#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: ".subscribe(",
        regex: r#"@\w+\.subscribe\((?:[^()]|\([^()]*\))*?\btopic\s*=\s*['"](?P<t>[^'"\n]*)['"]"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "pubsub.subscribe(",
        regex: r#"\bpubsub\.subscribe\(\s*[^,()\n]+,\s*['"`](?P<t>[^'"`\n]*)['"`]"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    // Dapr publish: .NET `PublishEventAsync("pubsub", "orders", e)`, `nameof(OrderPaid)`; Go
    // `PublishEvent(ctx, "pubsub", "orders", e)`; Java `publishEvent("pubsub", "orders", e)`;
    // JS `client.pubsub.publish("pubsub", "orders", e)`; Python
    // `publish_event(pubsub_name='pubsub', topic_name='orders', …)`.
    Pattern {
        trigger: "ublishEvent",
        regex: r#"\.[Pp]ublishEvent(?:Async)?\(\s*(?:\w+\s*,\s*)?[^,()\n]+,\s*(?:"(?P<t>[^"\n]*)"|nameof\(\s*(?:\w+\.)*(?P<n>\w+)\s*\))"#,
        side: Side::Is(MessageRole::Producer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "pubsub.publish(",
        regex: r#"\bpubsub\.publish\(\s*[^,()\n]+,\s*['"`](?P<t>[^'"`\n]*)['"`]"#,
        side: Side::Is(MessageRole::Producer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "publish_event(",
        regex: r#"\bpublish_event\((?:[^()]|\([^()]*\))*?\btopic_name\s*=\s*['"](?P<t>[^'"\n]*)['"]"#,
        side: Side::Is(MessageRole::Producer),
        technology: None,
        receiver: Receiver::Any,
    },
    // Message buses whose topic is the message type's name (MassTransit, NServiceBus, event-bus
    // abstractions): `_eventBus.PublishAsync(new OrderPaid(…))`, `bus.Publish<OrderPaid>(…)`,
    // `_eventBus.PublishAsync(evt)` where the file assigns `evt = new OrderPaid(…)`. In-process
    // mediators (`_mediator.Publish`) are not buses.
    Pattern {
        trigger: ".Publish",
        regex: r#"\b(?P<v>\w+)\s*\.\s*Publish(?:Async)?\s*(?:<\s*(?P<n>\w+)\s*>\s*\(|\(\s*(?:new\s+(?:\w+\.)*(?P<new>\w+)\s*[({]|@?(?P<var>\w+)\s*[,)]))"#,
        side: Side::Is(MessageRole::Producer),
        technology: None,
        receiver: Receiver::Typed(
            "bus",
            "IEventBus|IBus|IPublishEndpoint|ISendEndpoint|IMessageSession|IMessageHandlerContext|ConsumeContext|IEventPublisher|IIntegrationEventPublisher",
        ),
    },
    // Handlers named by the message type: MassTransit `IConsumer<OrderPaid>`, NServiceBus
    // `IHandleMessages<OrderPaid>`, event-bus `IIntegrationEventHandler<OrderPaid>` and
    // `eventBus.Subscribe<OrderPaid, OrderPaidHandler>()`.
    Pattern {
        trigger: "IConsumer<",
        regex: r#"\bIConsumer\s*<\s*(?:\w+\.)*(?P<n>\w+)\s*>"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "IHandleMessages<",
        regex: r#"\bIHandleMessages\s*<\s*(?:\w+\.)*(?P<n>\w+)\s*>"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: "IIntegrationEventHandler<",
        regex: r#"\bIIntegrationEventHandler\s*<\s*(?:\w+\.)*(?P<n>\w+)\s*>"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: ".Subscribe<",
        regex: r#"\b(?P<v>\w+)\s*\.\s*Subscribe<\s*(?:\w+\.)*(?P<n>\w+)\s*,"#,
        side: Side::Is(MessageRole::Consumer),
        technology: None,
        receiver: Receiver::Typed("bus", "IEventBus|IBus"),
    },
    // Functional options of a publisher or consumer package: `pkgPublisher.ExchangeName("x")`,
    // `consumer.Topic("x")`; the receiver's name says the side.
    Pattern {
        trigger: ".Exchange",
        regex: r#"\b(?P<v>\w+)\.Exchange(?:Name)?\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::Named,
        technology: Some("rabbitmq"),
        receiver: Receiver::Any,
    },
    Pattern {
        trigger: ".Topic",
        regex: r#"\b(?P<v>\w+)\.Topic(?:Name)?\(\s*"(?P<t>[^"\n]*)""#,
        side: Side::Named,
        technology: None,
        receiver: Receiver::Any,
    },
];

pub(super) struct Compiled {
    pub(super) patterns: Triggered,
    /// Per pattern with a `Typed` receiver: declarations of a variable of those types.
    declarations: Vec<Option<Regex>>,
}

pub(super) static COMPILED: LazyLock<Compiled> = LazyLock::new(|| Compiled {
    patterns: Triggered::new(
        Table::Messages,
        PATTERNS.iter().map(|p| (p.trigger, p.regex)),
    ),
    declarations: PATTERNS
        .iter()
        .map(|p| match p.receiver {
            Receiver::Typed(_, types) => Some(
                Regex::new(&format!(r"\b(?:{types})\b(?:<[^;=(){{}}]*>)?\s+(?P<n>\w+)"))
                    .expect("valid regex"),
            ),
            _ => None,
        })
        .collect(),
});

static QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"["'`]([^"'`\n]*)["'`]"#).expect("valid regex"));

static CONSUMES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.(?:Consume|QueueBind)\(").expect("valid regex"));

/// The side a receiver's or type's name says: `publisher`, `ProducerMessage`, `Writer` send;
/// `consumer`, `ReaderConfig` take.
fn side_of(name: &str) -> Option<MessageRole> {
    let n = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&["publish", "produc", "sender", "writer", "emitter"]) {
        Some(MessageRole::Producer)
    } else if has(&["consum", "subscri", "listen", "receiv", "reader"]) {
        Some(MessageRole::Consumer)
    } else {
        None
    }
}

/// The topics one match names, with where each is written: a quoted topic (`t`), a list of
/// quoted topics (`list`), a message type (`n`, `new`), or a variable (`var`) whose type is
/// what the file assigns to it (`evt = cond ? new OrderPaid(…) : new OrderFailed(…);`), each
/// written where the variable is sent.
fn topics_of(cap: &regex::Captures, text: &str) -> Vec<(String, usize)> {
    let named = ["t", "n", "new"].into_iter().find_map(|n| cap.name(n));
    if let Some(t) = named {
        return vec![(t.as_str().to_string(), t.start())];
    }
    if let Some(list) = cap.name("list") {
        return QUOTED
            .captures_iter(list.as_str())
            .filter_map(|q| q.get(1))
            .map(|q| (q.as_str().to_string(), list.start() + q.start()))
            .collect();
    }
    let Some(var) = cap.name("var") else {
        return Vec::new();
    };
    let assigned = format!(r"\b{}\s*=\s*([^;]*)", regex::escape(var.as_str()));
    let Ok(assigned) = Regex::new(&assigned) else {
        return Vec::new();
    };
    assigned
        .captures_iter(text)
        .filter_map(|a| a.get(1))
        .flat_map(|rhs| {
            NEW_TYPE
                .captures_iter(rhs.as_str())
                .filter_map(|t| t.get(1))
                .map(|t| (t.as_str().to_string(), var.start()))
        })
        .collect()
}

/// `new OrderPaid(` / `new Ns.OrderPaid {`: the type constructed.
static NEW_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bnew\s+(?:\w+\.)*(\w+)\s*[({]").expect("valid regex"));

/// A literal that names a topic: not empty, not a placeholder or an expression.
fn is_topic(t: &str) -> bool {
    !t.trim().is_empty()
        && t.len() < 250
        && !t.contains(['$', '{', '}', '#', ' ', '/'])
        && !t.contains("://")
}

/// One declaration found: where its topic is written, and the whole match for evidence.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    at: usize,
    topic: String,
    role: MessageRole,
    technology: Option<&'static str>,
    span: (usize, usize),
}

/// Message declarations of one source file.
pub(super) fn scan(path: &str, text: &str, hits: &Hits, facts: &mut Vec<Fact>) {
    let c = &*COMPILED;
    let active = c.patterns.active(hits);
    if active.is_empty() {
        return;
    }
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<Found> = Vec::new();
    let mut weak = Vec::new();
    for (i, regex) in active {
        let p = &PATTERNS[i];
        let declared: Vec<String> = match &c.declarations[i] {
            Some(re) => re
                .captures_iter(text)
                .filter_map(|d| d.name("n"))
                .map(|n| n.as_str().to_string())
                .collect(),
            None => Vec::new(),
        };
        if let Receiver::FileNames(word) = p.receiver
            && !lower.contains(word)
        {
            continue;
        }
        for cap in regex.captures_iter(text) {
            let Some(m) = cap.get(0) else { continue };
            let v = cap.name("v").map_or("", |v| v.as_str());
            if let Receiver::Typed(word, _) = p.receiver
                && !v.to_ascii_lowercase().contains(word)
                && !declared.iter().any(|d| d == v)
            {
                continue;
            }
            let role = match p.side {
                Side::Is(r) => r,
                Side::Named => match side_of(v) {
                    Some(r) => r,
                    None => continue,
                },
                Side::ConsumerIfConsuming => MessageRole::Consumer,
            };
            let topics = topics_of(&cap, text);
            for (topic, at) in topics {
                if !is_topic(&topic) {
                    continue;
                }
                let entry = Found {
                    at,
                    topic,
                    role,
                    technology: p.technology,
                    span: (m.start(), m.end()),
                };
                if matches!(p.side, Side::ConsumerIfConsuming) {
                    weak.push(entry);
                } else {
                    found.push(entry);
                }
            }
        }
    }
    let produces = found.iter().any(|f| f.role == MessageRole::Producer);
    if !produces && CONSUMES.is_match(text) {
        found.extend(weak);
    }
    if found.is_empty() {
        return;
    }
    found.sort();
    found.dedup();
    let index = LineIndex::new(text);
    for Found {
        at,
        topic,
        role,
        technology,
        span: (start, end),
    } in found
    {
        let (line, column) = index.position(text, at);
        let text: String = text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(200)
            .collect();
        facts.push(Fact::Message {
            topic,
            role,
            technology,
            text,
            location: Location::new(path, line, column),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Vec<(String, MessageRole, Option<&'static str>)> {
        let mut facts = Vec::new();
        scan("a.src", src, &Hits::of(src), &mut facts);
        let mut found: Vec<_> = facts
            .into_iter()
            .map(|f| match f {
                Fact::Message {
                    topic,
                    role,
                    technology,
                    ..
                } => (topic, role, technology),
                _ => unreachable!(),
            })
            .collect();
        // One topic declared twice (`ExchangeDeclare`, then `QueueBind`) is one use.
        found.dedup();
        found
    }

    const P: MessageRole = MessageRole::Producer;
    const C: MessageRole = MessageRole::Consumer;

    fn m(
        t: &str,
        r: MessageRole,
        tech: &'static str,
    ) -> (String, MessageRole, Option<&'static str>) {
        (t.to_string(), r, Some(tech))
    }

    #[test]
    fn declarations_per_library() {
        type Want = &'static [(&'static str, MessageRole, &'static str)];
        let cases: &[(&str, Want)] = &[
            (
                "@KafkaListener(topics = \"order\")",
                &[("order", C, "kafka")],
            ),
            (
                "@KafkaListener(id = \"x\", topics = {\"a\", \"b\"}, groupId = \"g\")",
                &[("a", C, "kafka"), ("b", C, "kafka")],
            ),
            (
                "kafkaTemplate.send(\"order\", order.getId() + \"created\", order);",
                &[("order", P, "kafka")],
            ),
            (
                "private final KafkaTemplate<String, Order> template;\nvoid f() { template.send(\"order\", o); }",
                &[("order", P, "kafka")],
            ),
            (
                "await producer.send({ topic: 'orders', messages: [] })",
                &[("orders", P, "kafka")],
            ),
            (
                "await consumer.subscribe({ topics: ['orders', 'refunds'], fromBeginning: true })",
                &[("orders", C, "kafka"), ("refunds", C, "kafka")],
            ),
            (
                "w := kafka.NewWriter(kafka.WriterConfig{Brokers: b, Topic: \"orders\"})",
                &[("orders", P, "kafka")],
            ),
            (
                "r := kafka.NewReader(kafka.ReaderConfig{\n\tBrokers: []string{\"kafka:9092\"},\n\tTopic: \"orders\",\n})",
                &[("orders", C, "kafka")],
            ),
            (
                "@RabbitListener(queues = \"orders\")",
                &[("orders", C, "rabbitmq")],
            ),
            (
                "rabbitTemplate.convertAndSend(\"orders\", \"created\", o);",
                &[("orders", P, "rabbitmq")],
            ),
            (
                "import amqp \"github.com/rabbitmq/amqp091-go\"\nch.PublishWithContext(ctx, \"orders\", \"\", false, false, msg)",
                &[("orders", P, "rabbitmq")],
            ),
            (
                "import \"github.com/streadway/amqp\"\nch.ExchangeDeclare(\"orders\", \"fanout\", true)\nch.QueueBind(q.Name, \"\", \"orders\", false, nil)\nch.Consume(q.Name)",
                &[("orders", C, "rabbitmq")],
            ),
            (
                "a.Pub.Configure(pkgPublisher.ExchangeName(\"orders\"))\na.Sub.Configure(pkgConsumer.ExchangeName(\"done\"))",
                &[("orders", P, "rabbitmq"), ("done", C, "rabbitmq")],
            ),
        ];
        for (src, want) in cases {
            let want: Vec<_> = want.iter().map(|(t, r, k)| m(t, *r, k)).collect();
            assert_eq!(run(src), want, "{src}");
        }
    }

    #[test]
    fn type_named_and_dapr_messages() {
        let cases: &[(&str, &[(&str, MessageRole)])] = &[
            (
                "[Topic(PUBSUB, nameof(Events.OrderPaid))]",
                &[("OrderPaid", C)],
            ),
            ("[Topic(\"pubsub\", \"orders\")]", &[("orders", C)]),
            (
                "@Topic(name = \"orders\", pubsubName = \"pubsub\")",
                &[("orders", C)],
            ),
            (
                "await _dapr.PublishEventAsync(\"pubsub\", nameof(OrderPaid), e);",
                &[("OrderPaid", P)],
            ),
            (
                "client.publish_event(pubsub_name='pubsub', topic_name='orders', data=d)",
                &[("orders", P)],
            ),
            (
                "await client.pubsub.publish(\"pubsub\", \"orders\", o);",
                &[("orders", P)],
            ),
            (
                "await _eventBus.PublishAsync(new OrderPaid(o.Id));",
                &[("OrderPaid", P)],
            ),
            (
                "var e = ok ? new OrderPaid(id) : new OrderFailed(id);\nawait _eventBus.PublishAsync(e);",
                &[("OrderFailed", P), ("OrderPaid", P)],
            ),
            (
                "IPublishEndpoint _ep;\nawait _ep.Publish<OrderPaid>(new { Id = 1 });",
                &[("OrderPaid", P)],
            ),
            (
                "class C : IConsumer<OrderPaid>, IHandleMessages<Refunded> {}",
                &[("OrderPaid", C), ("Refunded", C)],
            ),
            (
                "eventBus.Subscribe<OrderPaid, OrderPaidHandler>();",
                &[("OrderPaid", C)],
            ),
        ];
        for (src, want) in cases {
            let mut got: Vec<_> = run(src).into_iter().map(|(t, r, _)| (t, r)).collect();
            got.sort();
            let want: Vec<_> = want.iter().map(|(t, r)| (t.to_string(), *r)).collect();
            assert_eq!(got, want, "{src}");
        }
    }

    #[test]
    fn near_misses() {
        for src in [
            // `send` on an object that is not a messaging template.
            "client.send(\"orders\", body);",
            "messagingTemplate.convertAndSend(\"/topic/greetings\", g);",
            // A placeholder is not a topic name.
            "@KafkaListener(topics = \"${app.topic}\")",
            // `Publish` without amqp in the file.
            "bus.Publish(\"orders\", e)",
            // A producer declares the exchange it publishes to: not a consumer.
            "import \"amqp\"\nch.ExchangeDeclare(\"orders\", \"fanout\")\nch.Publish(\"orders\", \"\", false, false, m)",
            "opts.ExchangeName(\"orders\")",
            // In-process mediators and objects that are not buses.
            "await _mediator.Publish(new OrderCreatedDomainEvent(id));",
            "notifier.Publish(new OrderCreated(id));",
            "class H : INotificationHandler<OrderCreated> {}",
            // A computed Dapr topic, a placeholder one.
            "await _dapr.PublishEventAsync(\"pubsub\", topicName, e);",
            "[Topic(\"pubsub\", \"{topic}\")]",
        ] {
            let got = run(src);
            assert!(
                got.iter().all(|(_, r, _)| *r == P) && got.len() <= 1,
                "{src}: {got:?}"
            );
            if !src.contains("ch.Publish") {
                assert!(got.is_empty(), "{src}: {got:?}");
            }
        }
    }
}
