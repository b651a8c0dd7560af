//! Plain words for every status and substatus family, in pl, en and de: a short name for
//! the timeline, "what happened" and "what happens next" for the page's headline.
//!
//! Substatuses are grouped into families (every `failed_attempt.*` code meaning "nobody was
//! home" reads the same to a shopper); a substatus this table does not know falls back to its
//! status's general family, so a new carrier code never leaves the page without words.

use carriers::Status;

use super::i18n::Lang;

/// A group of substatuses that read the same to a shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Family {
    Pending,
    InfoReceived,
    InTransit,
    Customs,
    Delayed,
    OutForDelivery,
    PickupLocker,
    PickupPoint,
    PickupDepot,
    FailedAbsent,
    FailedAddress,
    FailedAccess,
    FailedPointUnavailable,
    FailedRescheduled,
    FailedPayment,
    FailedOther,
    Delivered,
    DeliveredNeighbour,
    DeliveredSafePlace,
    DeliveredPickup,
    ExceptionDamaged,
    ExceptionLost,
    ExceptionRefused,
    ExceptionPickupExpired,
    ExceptionAddress,
    ExceptionHeld,
    ExceptionReturning,
    ExceptionOther,
    Returned,
    Cancelled,
    Expired,
    Unknown,
}

/// The family of a status + dotted substatus.
pub fn family(status: Status, substatus: &str) -> Family {
    use Family::*;
    let sub = substatus.split_once('.').map_or("", |(_, s)| s);
    let has = |words: &[&str]| words.iter().any(|w| sub.contains(w));
    match status {
        Status::Pending => Pending,
        Status::InfoReceived => InfoReceived,
        Status::InTransit if has(&["customs"]) => Customs,
        Status::InTransit if has(&["delayed", "sorting_error"]) => Delayed,
        Status::InTransit => InTransit,
        Status::OutForDelivery => OutForDelivery,
        Status::AvailableForPickup if has(&["locker"]) => PickupLocker,
        Status::AvailableForPickup if has(&["depot"]) => PickupDepot,
        Status::AvailableForPickup => PickupPoint,
        Status::FailedAttempt if has(&["address", "no_mailbox", "unknown_recipient"]) => {
            FailedAddress
        }
        Status::FailedAttempt if has(&["no_access"]) => FailedAccess,
        Status::FailedAttempt if has(&["point_full", "point_unavailable"]) => {
            FailedPointUnavailable
        }
        Status::FailedAttempt if has(&["redelivery", "back_at_depot"]) => FailedRescheduled,
        Status::FailedAttempt if has(&["cod", "verification", "documents"]) => FailedPayment,
        Status::FailedAttempt if has(&["absent", "not_delivered", "undelivered", "notice"]) => {
            FailedAbsent
        }
        Status::FailedAttempt => FailedOther,
        Status::Delivered if has(&["neighbour"]) => DeliveredNeighbour,
        Status::Delivered if has(&["safe_place"]) => DeliveredSafePlace,
        Status::Delivered if has(&["point", "collected", "post_office"]) => DeliveredPickup,
        Status::Delivered => Delivered,
        Status::Exception if has(&["damaged"]) => ExceptionDamaged,
        Status::Exception if has(&["lost", "missing"]) && !has(&["documents"]) => ExceptionLost,
        Status::Exception if has(&["refused"]) => ExceptionRefused,
        Status::Exception if has(&["pickup_expired", "pickup_time_expired"]) => {
            ExceptionPickupExpired
        }
        Status::Exception if has(&["address"]) => ExceptionAddress,
        Status::Exception if has(&["customs", "payment", "documents", "id_check"]) => ExceptionHeld,
        Status::Exception if has(&["return"]) => ExceptionReturning,
        Status::Exception => ExceptionOther,
        Status::ReturnedToSender => Returned,
        Status::Cancelled => Cancelled,
        Status::Expired => Expired,
        Status::Unknown => Unknown,
    }
}

/// Plain words for one family in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// Short name (timeline entries, headline).
    pub label: &'static str,
    /// What happened.
    pub what: &'static str,
    /// What happens next (may be empty).
    pub next: &'static str,
}

/// Whether the family is a problem the shopper should read about (shown as a callout).
pub fn is_problem(f: Family) -> bool {
    use Family::*;
    matches!(
        f,
        FailedAbsent
            | FailedAddress
            | FailedAccess
            | FailedPointUnavailable
            | FailedRescheduled
            | FailedPayment
            | FailedOther
            | ExceptionDamaged
            | ExceptionLost
            | ExceptionRefused
            | ExceptionPickupExpired
            | ExceptionAddress
            | ExceptionHeld
            | ExceptionReturning
            | ExceptionOther
            | Returned
            | Cancelled
            | Expired
            | Delayed
    )
}

/// The words for a family.
pub fn words(lang: Lang, f: Family) -> Words {
    let [label, what, next] = table(f)[lang.idx()];
    Words { label, what, next }
}

type Row = [[&'static str; 3]; 3];

fn table(f: Family) -> Row {
    use Family::*;
    match f {
        Pending => [
            ["Zarejestrowana", "Sklep zarejestrował przesyłkę. Przewoźnik nie ma jeszcze o niej informacji.", "Gdy sklep przekaże paczkę przewoźnikowi, zobaczysz tu kolejne etapy."],
            ["Registered", "The shop has registered the shipment. The carrier has no information about it yet.", "Once the shop hands the parcel to the carrier, the next steps will appear here."],
            ["Registriert", "Der Shop hat die Sendung angelegt. Dem Versanddienstleister liegen noch keine Informationen vor.", "Sobald der Shop das Paket übergibt, erscheinen hier die nächsten Schritte."],
        ],
        InfoReceived => [
            ["Dane nadania przekazane", "Sklep przygotował paczkę i przekazał jej dane przewoźnikowi.", "Przewoźnik odbierze paczkę od sklepu i wyruszy ona w drogę."],
            ["Label created", "The shop has prepared the parcel and sent its details to the carrier.", "The carrier will collect the parcel from the shop and it will be on its way."],
            ["Sendungsdaten übermittelt", "Der Shop hat das Paket vorbereitet und die Daten an den Versanddienstleister übermittelt.", "Der Versanddienstleister holt das Paket beim Shop ab und es macht sich auf den Weg."],
        ],
        InTransit => [
            ["W drodze", "Paczka jest w drodze do Ciebie.", ""],
            ["In transit", "Your parcel is on its way to you.", ""],
            ["Unterwegs", "Ihr Paket ist auf dem Weg zu Ihnen.", ""],
        ],
        Customs => [
            ["Odprawa celna", "Paczka przechodzi odprawę celną.", "Zwykle trwa to 1–3 dni robocze. Jeśli potrzebna będzie opłata lub dokumenty, przewoźnik się z Tobą skontaktuje."],
            ["Customs clearance", "Your parcel is going through customs.", "This usually takes 1–3 working days. If a fee or documents are needed, the carrier will contact you."],
            ["Verzollung", "Ihr Paket wird gerade verzollt.", "Das dauert meist 1–3 Werktage. Falls Gebühren oder Unterlagen nötig sind, meldet sich der Versanddienstleister bei Ihnen."],
        ],
        Delayed => [
            ["Opóźnienie", "Paczka jest w drodze, ale dotrze później, niż planowano.", "Nie musisz nic robić – przewoźnik doręczy ją najszybciej, jak to możliwe."],
            ["Delayed", "Your parcel is on its way but will arrive later than planned.", "You don't need to do anything – the carrier will deliver it as soon as possible."],
            ["Verzögert", "Ihr Paket ist unterwegs, kommt aber später als geplant an.", "Sie müssen nichts tun – der Versanddienstleister stellt es so bald wie möglich zu."],
        ],
        OutForDelivery => [
            ["W doręczeniu", "Kurier ma Twoją paczkę i doręczy ją dzisiaj.", "Upewnij się, że ktoś będzie mógł ją odebrać."],
            ["Out for delivery", "The courier has your parcel and will deliver it today.", "Make sure someone is available to receive it."],
            ["In Zustellung", "Der Zusteller hat Ihr Paket und liefert es heute.", "Sorgen Sie dafür, dass jemand das Paket annehmen kann."],
        ],
        PickupLocker => [
            ["Czeka w paczkomacie", "Paczka czeka na Ciebie w automacie paczkowym.", "Otwórz skrytkę kodem odbioru z SMS-a lub e-maila od przewoźnika. Nieodebrana w terminie paczka wróci do nadawcy."],
            ["Waiting in the parcel locker", "Your parcel is waiting for you in a parcel locker.", "Open the locker with the pickup code from the carrier's text message or e-mail. If it is not collected in time, it goes back to the sender."],
            ["Liegt in der Packstation", "Ihr Paket liegt für Sie in einer Packstation bereit.", "Öffnen Sie das Fach mit dem Abholcode aus der SMS oder E-Mail des Versanddienstleisters. Wird es nicht rechtzeitig abgeholt, geht es an den Absender zurück."],
        ],
        PickupPoint => [
            ["Czeka w punkcie odbioru", "Paczka czeka na Ciebie w punkcie odbioru.", "Odbierz ją z kodem odbioru lub dokumentem tożsamości. Nieodebrana w terminie paczka wróci do nadawcy."],
            ["Waiting at the pickup point", "Your parcel is waiting for you at a pickup point.", "Collect it with your pickup code or an ID. If it is not collected in time, it goes back to the sender."],
            ["Liegt in der Filiale bereit", "Ihr Paket liegt in einer Abholstelle für Sie bereit.", "Holen Sie es mit dem Abholcode oder einem Ausweis ab. Wird es nicht rechtzeitig abgeholt, geht es an den Absender zurück."],
        ],
        PickupDepot => [
            ["Czeka w oddziale", "Paczka czeka na Ciebie w oddziale przewoźnika.", "Odbierz ją osobiście z dokumentem tożsamości albo umów nowe doręczenie u przewoźnika."],
            ["Waiting at the depot", "Your parcel is waiting for you at the carrier's depot.", "Collect it in person with an ID, or arrange a new delivery with the carrier."],
            ["Liegt im Depot bereit", "Ihr Paket liegt im Depot des Versanddienstleisters bereit.", "Holen Sie es mit Ausweis ab oder vereinbaren Sie beim Versanddienstleister eine neue Zustellung."],
        ],
        FailedAbsent => [
            ["Nieudana próba doręczenia", "Kurier był pod adresem, ale nikogo nie zastał.", "Kurier spróbuje ponownie w następny dzień roboczy albo zostawi paczkę w pobliskim punkcie – sprawdź awizo, SMS lub e-mail."],
            ["Delivery attempt failed", "The courier came by, but nobody was there to receive the parcel.", "The courier will try again on the next working day or leave the parcel at a nearby pickup point – look for a notice, text message or e-mail."],
            ["Zustellversuch erfolglos", "Der Zusteller war da, hat aber niemanden angetroffen.", "Der Zusteller versucht es am nächsten Werktag erneut oder bringt das Paket in eine Abholstelle in der Nähe – achten Sie auf eine Benachrichtigung, SMS oder E-Mail."],
        ],
        FailedAddress => [
            ["Problem z adresem", "Kurier nie mógł doręczyć paczki z powodu problemu z adresem.", "Skontaktuj się ze sklepem lub przewoźnikiem, aby poprawić adres. Przewoźnik przechowa paczkę przez kilka dni."],
            ["Address problem", "The courier could not deliver the parcel because of a problem with the address.", "Contact the shop or the carrier to correct the address. The carrier will hold the parcel for a few days."],
            ["Problem mit der Adresse", "Der Zusteller konnte das Paket wegen eines Problems mit der Adresse nicht zustellen.", "Wenden Sie sich an den Shop oder den Versanddienstleister, um die Adresse zu korrigieren. Das Paket wird einige Tage aufbewahrt."],
        ],
        FailedAccess => [
            ["Brak dostępu", "Kurier nie mógł dostać się pod adres (brama, domofon, ochrona).", "Kurier spróbuje ponownie. Jeśli możesz, zadbaj o dostęp lub podaj wskazówki przewoźnikowi."],
            ["No access", "The courier could not get to the address (gate, intercom, reception).", "The courier will try again. If you can, make sure there is access or give the carrier directions."],
            ["Kein Zugang", "Der Zusteller kam nicht an die Adresse heran (Tor, Klingel, Empfang).", "Der Zusteller versucht es erneut. Sorgen Sie nach Möglichkeit für Zugang oder geben Sie dem Versanddienstleister Hinweise."],
        ],
        FailedPointUnavailable => [
            ["Punkt niedostępny", "Wybrany paczkomat lub punkt był pełny albo zamknięty.", "Przewoźnik dostarczy paczkę do innego punktu w pobliżu lub później – dostaniesz wiadomość, gdzie ją odebrać."],
            ["Pickup point unavailable", "The chosen parcel locker or pickup point was full or closed.", "The carrier will take the parcel to another point nearby or try later – you will get a message telling you where to collect it."],
            ["Abholstelle nicht verfügbar", "Die gewählte Packstation oder Abholstelle war voll oder geschlossen.", "Das Paket kommt in eine andere Abholstelle in der Nähe oder wird später zugestellt – Sie erhalten eine Nachricht, wo Sie es abholen können."],
        ],
        FailedRescheduled => [
            ["Doręczenie przełożone", "Dziś nie udało się doręczyć paczki; wróciła do oddziału.", "Przewoźnik zaplanował kolejne doręczenie. Nie musisz nic robić."],
            ["Delivery rescheduled", "The parcel could not be delivered today and is back at the depot.", "The carrier has planned another delivery. You don't need to do anything."],
            ["Zustellung verschoben", "Das Paket konnte heute nicht zugestellt werden und ist zurück im Depot.", "Der Versanddienstleister hat eine neue Zustellung geplant. Sie müssen nichts tun."],
        ],
        FailedPayment => [
            ["Doręczenie wstrzymane", "Nie udało się doręczyć paczki, bo nie opłacono pobrania albo nie potwierdzono tożsamości lub dokumentów.", "Przygotuj płatność lub dokument na kolejną próbę albo skontaktuj się z przewoźnikiem."],
            ["Delivery on hold", "The parcel could not be handed over because cash on delivery was not paid or an ID or document check failed.", "Have the payment or document ready for the next attempt, or contact the carrier."],
            ["Zustellung angehalten", "Das Paket konnte nicht übergeben werden, weil die Nachnahme nicht bezahlt oder eine Ausweis- bzw. Dokumentenprüfung nicht erfolgreich war.", "Halten Sie Zahlung oder Dokument für den nächsten Versuch bereit oder wenden Sie sich an den Versanddienstleister."],
        ],
        FailedOther => [
            ["Nieudana próba doręczenia", "Kurier nie mógł doręczyć paczki.", "Przewoźnik spróbuje ponownie lub przekaże paczkę do punktu odbioru. Śledź tę stronę."],
            ["Delivery attempt failed", "The courier could not deliver the parcel.", "The carrier will try again or take the parcel to a pickup point. Keep an eye on this page."],
            ["Zustellversuch erfolglos", "Der Zusteller konnte das Paket nicht zustellen.", "Der Versanddienstleister versucht es erneut oder bringt das Paket in eine Abholstelle. Behalten Sie diese Seite im Blick."],
        ],
        Delivered => [
            ["Doręczona", "Paczka została doręczona.", ""],
            ["Delivered", "Your parcel has been delivered.", ""],
            ["Zugestellt", "Ihr Paket wurde zugestellt.", ""],
        ],
        DeliveredNeighbour => [
            ["Doręczona sąsiadowi", "Paczka została przekazana sąsiadowi.", "Sprawdź awizo z nazwiskiem sąsiada."],
            ["Delivered to a neighbour", "Your parcel was left with a neighbour.", "Look for a notice with your neighbour's name."],
            ["Beim Nachbarn abgegeben", "Ihr Paket wurde bei einem Nachbarn abgegeben.", "Achten Sie auf die Benachrichtigung mit dem Namen des Nachbarn."],
        ],
        DeliveredSafePlace => [
            ["Zostawiona w bezpiecznym miejscu", "Paczka została zostawiona we wskazanym bezpiecznym miejscu.", ""],
            ["Left in a safe place", "Your parcel was left in the agreed safe place.", ""],
            ["Am Ablageort abgelegt", "Ihr Paket wurde am vereinbarten Ablageort abgelegt.", ""],
        ],
        DeliveredPickup => [
            ["Odebrana", "Paczka została odebrana z punktu.", ""],
            ["Collected", "The parcel has been collected from the pickup point.", ""],
            ["Abgeholt", "Das Paket wurde in der Abholstelle abgeholt.", ""],
        ],
        ExceptionDamaged => [
            ["Paczka uszkodzona", "Paczka została uszkodzona w transporcie.", "Przewoźnik wyjaśnia sprawę. Sklep skontaktuje się z Tobą w sprawie wymiany lub zwrotu pieniędzy."],
            ["Parcel damaged", "The parcel was damaged in transit.", "The carrier is looking into it. The shop will contact you about a replacement or a refund."],
            ["Paket beschädigt", "Das Paket wurde beim Transport beschädigt.", "Der Versanddienstleister klärt den Fall. Der Shop meldet sich wegen Ersatz oder Erstattung bei Ihnen."],
        ],
        ExceptionLost => [
            ["Paczka zaginęła", "Przewoźnik nie może zlokalizować paczki.", "Przewoźnik jej szuka. Jeśli się nie znajdzie, sklep skontaktuje się z Tobą w sprawie nowej wysyłki lub zwrotu pieniędzy."],
            ["Parcel missing", "The carrier cannot locate the parcel.", "The carrier is searching for it. If it is not found, the shop will contact you about a new shipment or a refund."],
            ["Paket vermisst", "Der Versanddienstleister kann das Paket nicht finden.", "Es wird danach gesucht. Taucht es nicht auf, meldet sich der Shop wegen einer neuen Sendung oder einer Erstattung."],
        ],
        ExceptionRefused => [
            ["Odmowa przyjęcia", "Odmówiono przyjęcia paczki.", "Paczka wróci do sklepu. Jeśli to pomyłka, skontaktuj się ze sklepem."],
            ["Delivery refused", "The parcel was refused at delivery.", "It will go back to the shop. If this was a mistake, contact the shop."],
            ["Annahme verweigert", "Die Annahme des Pakets wurde verweigert.", "Es geht an den Shop zurück. Falls das ein Irrtum war, wenden Sie sich an den Shop."],
        ],
        ExceptionPickupExpired => [
            ["Upłynął termin odbioru", "Paczka nie została odebrana w terminie.", "Paczka wraca do sklepu. Skontaktuj się ze sklepem, aby ustalić ponowną wysyłkę."],
            ["Pickup time expired", "The parcel was not collected in time.", "It is going back to the shop. Contact the shop to arrange a new delivery."],
            ["Abholfrist abgelaufen", "Das Paket wurde nicht rechtzeitig abgeholt.", "Es geht an den Shop zurück. Wenden Sie sich an den Shop, um eine neue Zustellung zu vereinbaren."],
        ],
        ExceptionAddress => [
            ["Nieprawidłowy adres", "Przewoźnik nie może doręczyć paczki, bo adres jest niepełny lub błędny.", "Skontaktuj się ze sklepem, aby poprawić adres – inaczej paczka wróci do nadawcy."],
            ["Address problem", "The carrier cannot deliver the parcel because the address is incomplete or wrong.", "Contact the shop to correct the address – otherwise the parcel will go back to the sender."],
            ["Adresse fehlerhaft", "Das Paket kann nicht zugestellt werden, weil die Adresse unvollständig oder falsch ist.", "Wenden Sie sich an den Shop, um die Adresse zu korrigieren – sonst geht das Paket an den Absender zurück."],
        ],
        ExceptionHeld => [
            ["Paczka zatrzymana", "Paczka jest zatrzymana: potrzebna jest opłata (np. cło) lub dokumenty.", "Postępuj zgodnie z wiadomością od przewoźnika lub skontaktuj się z nim, aby zwolnić paczkę."],
            ["Parcel on hold", "The parcel is on hold: a fee (such as customs duty) or documents are needed.", "Follow the carrier's message or contact the carrier to release the parcel."],
            ["Paket angehalten", "Das Paket wird zurückgehalten: Eine Gebühr (z. B. Zoll) oder Unterlagen werden benötigt.", "Folgen Sie der Nachricht des Versanddienstleisters oder kontaktieren Sie ihn, um das Paket freizugeben."],
        ],
        ExceptionReturning => [
            ["Zwrot do nadawcy", "Paczka jest odsyłana do sklepu.", "Gdy sklep ją otrzyma, skontaktuje się z Tobą w sprawie zwrotu pieniędzy lub ponownej wysyłki."],
            ["Returning to sender", "The parcel is being sent back to the shop.", "Once the shop has it back, it will contact you about a refund or a new shipment."],
            ["Rücksendung an Absender", "Das Paket wird an den Shop zurückgeschickt.", "Sobald es dort ankommt, meldet sich der Shop wegen Erstattung oder neuem Versand."],
        ],
        ExceptionOther => [
            ["Problem z przesyłką", "Wystąpił problem z przesyłką.", "Przewoźnik się tym zajmuje. Jeśli w ciągu dwóch dni roboczych nic się nie zmieni, skontaktuj się ze sklepem."],
            ["Problem with the shipment", "There is a problem with this shipment.", "The carrier is working on it. If nothing changes within two working days, contact the shop."],
            ["Problem mit der Sendung", "Bei dieser Sendung ist ein Problem aufgetreten.", "Der Versanddienstleister kümmert sich darum. Ändert sich innerhalb von zwei Werktagen nichts, wenden Sie sich an den Shop."],
        ],
        Returned => [
            ["Zwrócona do nadawcy", "Paczka wróciła do sklepu.", "Sklep skontaktuje się z Tobą w sprawie zwrotu pieniędzy lub ponownej wysyłki."],
            ["Returned to sender", "The parcel has gone back to the shop.", "The shop will contact you about a refund or a new shipment."],
            ["An Absender zurück", "Das Paket ist wieder beim Shop.", "Der Shop meldet sich wegen Erstattung oder neuem Versand bei Ihnen."],
        ],
        Cancelled => [
            ["Anulowana", "Sklep anulował przesyłkę przed nadaniem.", "Jeśli się tego nie spodziewałeś, skontaktuj się ze sklepem."],
            ["Cancelled", "The shop cancelled the shipment before handing it over.", "If you did not expect this, contact the shop."],
            ["Storniert", "Der Shop hat die Sendung vor der Übergabe storniert.", "Falls Sie das nicht erwartet haben, wenden Sie sich an den Shop."],
        ],
        Expired => [
            ["Brak aktualizacji", "Od dłuższego czasu przewoźnik nie przekazał nowych informacji.", "Skontaktuj się ze sklepem – sprawdzi, co się dzieje z paczką."],
            ["No recent updates", "The carrier has not sent any news for a long time.", "Contact the shop – it will check with the carrier what is happening."],
            ["Keine neuen Informationen", "Der Versanddienstleister hat seit Längerem nichts Neues gemeldet.", "Wenden Sie sich an den Shop – er klärt mit dem Versanddienstleister, was los ist."],
        ],
        Unknown => [
            ["Informacja od przewoźnika", "Przewoźnik przekazał informację o przesyłce.", ""],
            ["Carrier update", "The carrier sent an update about the shipment.", ""],
            ["Meldung des Versanddienstleisters", "Der Versanddienstleister hat eine Meldung zur Sendung geschickt.", ""],
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substatuses_fall_into_families() {
        let f = |s: Status, sub: &str| family(s, sub);
        assert_eq!(
            f(Status::FailedAttempt, "failed_attempt.recipient_absent"),
            Family::FailedAbsent
        );
        assert_eq!(
            f(Status::FailedAttempt, "failed_attempt.wrong_address"),
            Family::FailedAddress
        );
        assert_eq!(
            f(Status::Exception, "exception.pickup_expired_returning"),
            Family::ExceptionPickupExpired
        );
        assert_eq!(
            f(Status::Exception, "exception.missing_documents"),
            Family::ExceptionHeld
        );
        assert_eq!(
            f(Status::AvailableForPickup, "available_for_pickup.locker"),
            Family::PickupLocker
        );
        assert_eq!(
            f(Status::Exception, "exception.something_new"),
            Family::ExceptionOther
        );
    }

    #[test]
    fn every_problem_says_what_happens_next_in_every_language() {
        use Family::*;
        let all = [
            FailedAbsent,
            FailedAddress,
            FailedAccess,
            FailedPointUnavailable,
            FailedRescheduled,
            FailedPayment,
            FailedOther,
            ExceptionDamaged,
            ExceptionLost,
            ExceptionRefused,
            ExceptionPickupExpired,
            ExceptionAddress,
            ExceptionHeld,
            ExceptionReturning,
            ExceptionOther,
            Returned,
            Cancelled,
            Expired,
            Delayed,
        ];
        for f in all {
            assert!(is_problem(f));
            for l in Lang::ALL {
                let w = words(l, f);
                assert!(!w.label.is_empty() && !w.what.is_empty() && !w.next.is_empty());
            }
            assert_ne!(words(Lang::Pl, f).what, words(Lang::En, f).what);
            assert_ne!(words(Lang::De, f).what, words(Lang::En, f).what);
        }
    }
}
