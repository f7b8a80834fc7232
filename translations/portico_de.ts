<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>EntityColumns</name>
    <message>
        <source>Services</source>
        <translation>Dienste</translation>
    </message>
    <message>
        <source>Routes</source>
        <translation>Routen</translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation>Upstreams</translation>
    </message>
    <message>
        <source>Targets</source>
        <translation>Ziele</translation>
    </message>
    <message>
        <source>Consumers</source>
        <translation>Verbraucher</translation>
    </message>
    <message>
        <source>Plugins</source>
        <translation>Plugins</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>Zertifikate</translation>
    </message>
    <message>
        <source>SNIs</source>
        <translation>SNIs</translation>
    </message>
    <message>
        <source>CA certificates</source>
        <translation>CA-Zertifikate</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>Hosts</translation>
    </message>
    <message>
        <source>Paths</source>
        <translation>Pfade</translation>
    </message>
    <message>
        <source>Methods</source>
        <translation>Methoden</translation>
    </message>
    <message>
        <source>Protocols</source>
        <translation>Protokolle</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>Algorithm</source>
        <translation>Algorithmus</translation>
    </message>
    <message>
        <source>Slots</source>
        <translation>Slots</translation>
    </message>
    <message>
        <source>Hash on</source>
        <translation>Hash über</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Gewicht</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>Upstream</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Custom id</source>
        <translation>Eigene ID</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>Consumer</source>
        <translation>Verbraucher</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>Zertifikat</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Fingerabdruck</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
</context>
<context>
    <name>portico::gui::AdminClient</name>
    <message>
        <source>Disconnected</source>
        <translation>Getrennt</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>Verbinde</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>Verbinde erneut</translation>
    </message>
    <message>
        <source>Refused (check the token)</source>
        <translation>Abgewiesen (Token prüfen)</translation>
    </message>
    <message>
        <source>Connected to a different version</source>
        <translation>Mit einer anderen Version verbunden</translation>
    </message>
    <message>
        <source>connection closed</source>
        <translation>Verbindung geschlossen</translation>
    </message>
    <message>
        <source>not connected to %1</source>
        <translation>nicht mit %1 verbunden</translation>
    </message>
    <message>
        <source>bad response from the service: %1</source>
        <translation>fehlerhafte Antwort des Dienstes: %1</translation>
    </message>
    <message>
        <source>connection lost</source>
        <translation>Verbindung verloren</translation>
    </message>
    <message>
        <source>cannot reach %1</source>
        <translation>%1 ist nicht erreichbar</translation>
    </message>
</context>
<context>
    <name>portico::gui::ConfigPage</name>
    <message>
        <source>Import and export</source>
        <translation>Import und Export</translation>
    </message>
    <message>
        <source>Import a file…</source>
        <translation>Datei importieren…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Anwenden</translation>
    </message>
    <message>
        <source>An import is previewed first: nothing changes until you apply it.</source>
        <translation>Ein Import wird zuerst als Vorschau gezeigt: Nichts ändert sich, bevor Sie ihn anwenden.</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <source>Entity</source>
        <translation>Entität</translation>
    </message>
    <message>
        <source>Name or id</source>
        <translation>Name oder ID</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>Revision</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>By</source>
        <translation>Von</translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Änderungen</translation>
    </message>
    <message>
        <source>Roll back to the selected revision</source>
        <translation>Auf die gewählte Revision zurücksetzen</translation>
    </message>
    <message>
        <source>Import a configuration</source>
        <translation>Konfiguration importieren</translation>
    </message>
    <message>
        <source>Configuration (*.yml *.yaml *.json)</source>
        <translation>Konfiguration (*.yml *.yaml *.json)</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>This file cannot be applied: %1</source>
        <translation>Diese Datei kann nicht angewendet werden: %1</translation>
    </message>
    <message>
        <source>create</source>
        <translation>anlegen</translation>
    </message>
    <message>
        <source>update</source>
        <translation>ändern</translation>
    </message>
    <message>
        <source>delete</source>
        <translation>löschen</translation>
    </message>
    <message>
        <source>The file matches the live configuration.</source>
        <translation>Die Datei entspricht der aktiven Konfiguration.</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) would be made. Apply them?</source>
        <translation><numerusform>%n Änderung würde vorgenommen. Anwenden?</numerusform><numerusform>%n Änderungen würden vorgenommen. Anwenden?</numerusform></translation>
    </message>
    <message>
        <source>Applied.</source>
        <translation>Angewendet.</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>Nicht angewendet: %1</translation>
    </message>
    <message>
        <source>Export the configuration</source>
        <translation>Konfiguration exportieren</translation>
    </message>
    <message>
        <source>YAML (*.yml *.yaml);;JSON (*.json)</source>
        <translation>YAML (*.yml *.yaml);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Exported to %1.</source>
        <translation>Nach %1 exportiert.</translation>
    </message>
    <message>
        <source>Roll back</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <source>Make revision %1's configuration the live one again?</source>
        <translation>Die Konfiguration von Revision %1 wieder aktiv machen?</translation>
    </message>
    <message>
        <source>Rolled back.</source>
        <translation>Zurückgesetzt.</translation>
    </message>
    <message>
        <source>Not rolled back: %1</source>
        <translation>Nicht zurückgesetzt: %1</translation>
    </message>
</context>
<context>
    <name>portico::gui::DashboardPage</name>
    <message>
        <source>Requests per second</source>
        <translation>Anfragen pro Sekunde</translation>
    </message>
    <message>
        <source>requests/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <source>req/s</source>
        <translation>Anfr./s</translation>
    </message>
    <message>
        <source>Errors per second</source>
        <translation>Fehler pro Sekunde</translation>
    </message>
    <message>
        <source>4xx</source>
        <translation>4xx</translation>
    </message>
    <message>
        <source>5xx</source>
        <translation>5xx</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>Busiest (last second)</source>
        <translation>Am stärksten belastet (letzte Sekunde)</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Since the console connected: %1 requests, %2 errors; %3 open connections</source>
        <translation>Seit die Konsole verbunden ist: %1 Anfragen, %2 Fehler; %3 offene Verbindungen</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>Zustand: %1</translation>
    </message>
    <message>
        <source>Version %1, role %2, revision %3</source>
        <translation>Version %1, Rolle %2, Revision %3</translation>
    </message>
    <message>
        <source>Up %1 h %2 min; %3 connections open</source>
        <translation>Läuft seit %1 h %2 min; %3 Verbindungen offen</translation>
    </message>
    <message>
        <source>(no route)</source>
        <translation>(keine Route)</translation>
    </message>
    <message>
        <source>route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>service</source>
        <translation>Dienst</translation>
    </message>
</context>
<context>
    <name>portico::gui::EntityDialog</name>
    <message>
        <source>New: %1</source>
        <translation>Neu: %1</translation>
    </message>
    <message>
        <source>Duplicate: %1</source>
        <translation>Duplizieren: %1</translation>
    </message>
    <message>
        <source>Edit: %1</source>
        <translation>Bearbeiten: %1</translation>
    </message>
    <message>
        <source>Loading the form…</source>
        <translation>Formular wird geladen…</translation>
    </message>
    <message>
        <source>The form could not be loaded: %1</source>
        <translation>Das Formular konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Fields marked * are required; hover a field for its help.</source>
        <translation>Mit * markierte Felder sind Pflicht; für Hilfe mit der Maus auf ein Feld zeigen.</translation>
    </message>
    <message>
        <source>Not saved: correct the fields shown in red.</source>
        <translation>Nicht gespeichert: Bitte die rot markierten Felder korrigieren.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>portico::gui::EntityPage</name>
    <message>
        <source>New</source>
        <translation>Neu</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Bearbeiten</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>Duplizieren</translation>
    </message>
    <message>
        <source>Enable/Disable</source>
        <translation>Aktivieren/Deaktivieren</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Filter by text, or tag:name</source>
        <translation>Nach Text filtern, oder tag:Name</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s)</source>
        <translation><numerusform>%n Eintrag</numerusform><numerusform>%n Einträge</numerusform></translation>
    </message>
    <message>
        <source>Could not load: %1</source>
        <translation>Konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Delete %1 "%2"?</source>
        <translation>%1 „%2“ löschen?</translation>
    </message>
    <message>
        <source>Deleted with it: %1.</source>
        <translation>Wird mitgelöscht: %1.</translation>
    </message>
    <message>
        <source>Still referring to it, so the service will refuse: %1.</source>
        <translation>Verweisen noch darauf, daher wird der Dienst ablehnen: %1.</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Gewicht</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Addresses</source>
        <translation>Adressen</translation>
    </message>
    <message>
        <source>Targets and their health</source>
        <translation>Ziele und ihr Zustand</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
</context>
<context>
    <name>portico::gui::MainWindow</name>
    <message>
        <source>Portico Console</source>
        <translation>Portico-Konsole</translation>
    </message>
    <message>
        <source>Open the console</source>
        <translation>Konsole öffnen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Live traffic</source>
        <translation>Live-Verkehr</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>Konfiguration</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>Not live</source>
        <translation>Nicht live</translation>
    </message>
    <message>
        <source>Portico: %1</source>
        <translation>Portico: %1</translation>
    </message>
    <message>
        <source>Route map</source>
        <translation>Routenkarte</translation>
    </message>
</context>
<context>
    <name>portico::gui::RouteMapPage</name>
    <message>
        <source>Test a request:</source>
        <translation>Anfrage testen:</translation>
    </message>
    <message>
        <source>host, e.g. api.example.com</source>
        <translation>Host, z. B. api.example.com</translation>
    </message>
    <message>
        <source>path, e.g. /orders/42</source>
        <translation>Pfad, z. B. /orders/42</translation>
    </message>
    <message>
        <source>Test</source>
        <translation>Testen</translation>
    </message>
    <message>
        <source>Drag from a service to the routes column to add a route to it; double-click a box to edit it.</source>
        <translation>Von einem Dienst in die Routenspalte ziehen, um ihm eine Route hinzuzufügen; ein Kästchen doppelt anklicken, um es zu bearbeiten.</translation>
    </message>
    <message>
        <source>Select a box to see its details.</source>
        <translation>Ein Kästchen auswählen, um seine Details zu sehen.</translation>
    </message>
    <message>
        <source>Proxy listeners</source>
        <translation>Proxy-Listener</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>(unbekannt)</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>no service</source>
        <translation>kein Dienst</translation>
    </message>
    <message>
        <source>weight %1</source>
        <translation>Gewicht %1</translation>
    </message>
    <message>
        <source>The first %1 routes are drawn; the Routes page lists them all.</source>
        <translation>Die ersten %1 Routen sind gezeichnet; die Seite „Routen“ listet alle auf.</translation>
    </message>
    <message>
        <source>Cannot test this request: %1</source>
        <translation>Diese Anfrage kann nicht getestet werden: %1</translation>
    </message>
    <message>
        <source>No route matches: the proxy answers 404.</source>
        <translation>Keine Route passt: Der Proxy antwortet mit 404.</translation>
    </message>
    <message>
        <source>Route %1 → service %2 (matched "%3")</source>
        <translation>Route %1 → Dienst %2 (passend: „%3“)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>— over http the client is redirected to https.</source>
        <translation>— über http wird der Client auf https umgeleitet.</translation>
    </message>
    <message>
        <source>consumer</source>
        <translation>Verbraucher</translation>
    </message>
</context>
<context>
    <name>portico::gui::SchemaForm</name>
    <message>
        <source>(not set)</source>
        <translation>(nicht gesetzt)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>comma-separated</source>
        <translation>durch Kommas getrennt</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 bis %2</translation>
    </message>
</context>
<context>
    <name>portico::gui::SettingsPage</name>
    <message>
        <source>Connection</source>
        <translation>Verbindung</translation>
    </message>
    <message>
        <source>Local service (socket)</source>
        <translation>Lokaler Dienst (Socket)</translation>
    </message>
    <message>
        <source>Remote Admin API (URL and token)</source>
        <translation>Entfernte Admin-API (URL und Token)</translation>
    </message>
    <message>
        <source>Socket path</source>
        <translation>Socket-Pfad</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Darstellung</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Wie das System</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Farbschema</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message numerus="yes">
        <source>every %n second(s)</source>
        <translation><numerusform>jede Sekunde</numerusform><numerusform>alle %n Sekunden</numerusform></translation>
    </message>
    <message>
        <source>Charts redrawn</source>
        <translation>Diagramme neu zeichnen</translation>
    </message>
</context>
<context>
    <name>portico::gui::TrafficModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Latency (ms)</source>
        <translation>Latenz (ms)</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>Route</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>Consumer</source>
        <translation>Verbraucher</translation>
    </message>
</context>
<context>
    <name>portico::gui::TrafficPage</name>
    <message>
        <source>Pause</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Filter by method, host, path, status…</source>
        <translation>Nach Methode, Host, Pfad, Status filtern…</translation>
    </message>
    <message>
        <source>Select a request to see all it recorded.</source>
        <translation>Eine Anfrage auswählen, um alles Aufgezeichnete zu sehen.</translation>
    </message>
</context>
</TS>