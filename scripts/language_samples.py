"""Paragraph-length news text written for audiogen's language-detection measurement.

Every paragraph here was written for this project (none is copied from an article):
short news items of the kind audiogen reads, with names, numbers and dates, in the
seven languages audiogen normalizes. ``scripts/language_accuracy.py`` scores the
detectors on these paragraphs and on each of their sentences alone.
"""

SAMPLES: dict[str, list[str]] = {
    "en": [
        "The city council voted on Tuesday to close the old bridge over the river for repairs. "
        "Engineers found cracks in two of the supports last spring, and the work is expected to take "
        "eight months. Buses will run every ten minutes during the closure.",
        "Farmers in the north of the county say the dry summer has cut their wheat harvest by almost a "
        "third. Several families have sold part of their herds because the price of hay doubled in July, "
        "and the regional union is asking for emergency support.",
        "A small museum in the harbour district has reopened after a year of work on its roof. Visitors "
        "can now see a collection of ship models and old maps that had been kept in storage since the "
        "building was damaged in a storm.",
        "The company said its profits fell in the third quarter as fewer customers bought new phones. Its "
        "chief executive told investors that the next model would arrive in the spring and that prices "
        "would not rise this year.",
        "Police are asking drivers to avoid the motorway near the airport after a lorry lost its load "
        "early this morning. Nobody was hurt, but two lanes remain closed while the road is cleaned.",
        "Scientists at the university have found a new species of frog in the mountain forests. The "
        "animal is smaller than a fingernail and sings at a pitch that most people cannot hear.",
        "The school board will decide next week whether to start classes later in the morning. Parents "
        "who support the change say teenagers need more sleep, while some teachers worry about sports "
        "practice in the evening.",
        "After three days of talks, the two unions reached an agreement with the rail operator. Trains "
        "will run normally from Monday, and workers will receive a raise over the next two years.",
    ],
    "de": [
        "Der Stadtrat hat am Dienstag beschlossen, die alte Brücke über den Fluss für Reparaturen zu "
        "sperren. Ingenieure hatten im Frühjahr Risse an zwei Pfeilern entdeckt, die Arbeiten sollen acht "
        "Monate dauern. Während der Sperrung fahren die Busse alle zehn Minuten.",
        "Die Landwirte im Norden des Kreises klagen über den trockenen Sommer, der ihre Weizenernte um "
        "fast ein Drittel verringert hat. Mehrere Familien haben einen Teil ihrer Herden verkauft, weil "
        "sich der Preis für Heu im Juli verdoppelt hat.",
        "Ein kleines Museum im Hafenviertel ist nach einem Jahr Bauzeit wieder geöffnet. Besucher können "
        "jetzt eine Sammlung von Schiffsmodellen und alten Karten sehen, die seit dem Sturmschaden im "
        "Lager aufbewahrt wurden.",
        "Das Unternehmen meldete für das dritte Quartal einen Gewinnrückgang, weil weniger Kunden neue "
        "Telefone kauften. Der Vorstandschef sagte den Anlegern, das nächste Modell komme im Frühjahr und "
        "die Preise würden in diesem Jahr nicht steigen.",
        "Die Polizei bittet Autofahrer, die Autobahn am Flughafen zu meiden, nachdem ein Lastwagen am "
        "frühen Morgen seine Ladung verloren hat. Verletzt wurde niemand, doch zwei Spuren bleiben gesperrt.",
        "Forscher der Universität haben in den Bergwäldern eine neue Froschart entdeckt. Das Tier ist "
        "kleiner als ein Fingernagel und ruft in einer Tonhöhe, die die meisten Menschen nicht hören.",
        "Die Schulbehörde entscheidet nächste Woche, ob der Unterricht morgens später beginnen soll. Eltern "
        "befürworten die Änderung, während einige Lehrer sich um das Training am Abend sorgen.",
        "Nach drei Verhandlungstagen haben sich die Gewerkschaften mit der Bahn geeinigt. Die Züge fahren "
        "ab Montag wieder normal, und die Beschäftigten erhalten in den nächsten zwei Jahren mehr Lohn.",
    ],
    "fr": [
        "Le conseil municipal a décidé mardi de fermer le vieux pont sur la rivière pour des travaux. Les "
        "ingénieurs avaient découvert des fissures sur deux piliers au printemps, et le chantier devrait "
        "durer huit mois. Pendant la fermeture, les bus passeront toutes les dix minutes.",
        "Les agriculteurs du nord du département estiment que l'été sec a réduit leur récolte de blé de "
        "près d'un tiers. Plusieurs familles ont vendu une partie de leur troupeau, car le prix du foin a "
        "doublé en juillet.",
        "Un petit musée du quartier du port a rouvert ses portes après un an de travaux sur sa toiture. Les "
        "visiteurs peuvent désormais voir une collection de maquettes de navires et de cartes anciennes.",
        "L'entreprise a annoncé une baisse de ses bénéfices au troisième trimestre, les clients ayant acheté "
        "moins de téléphones. Son directeur général a assuré aux investisseurs que le prochain modèle "
        "arriverait au printemps.",
        "La police demande aux automobilistes d'éviter l'autoroute près de l'aéroport après qu'un camion a "
        "perdu son chargement tôt ce matin. Personne n'a été blessé, mais deux voies restent fermées.",
        "Des chercheurs de l'université ont découvert une nouvelle espèce de grenouille dans les forêts de "
        "montagne. L'animal est plus petit qu'un ongle et chante à une fréquence que la plupart des gens "
        "n'entendent pas.",
        "Le rectorat décidera la semaine prochaine si les cours commenceront plus tard le matin. Les parents "
        "favorables au changement disent que les adolescents ont besoin de dormir davantage.",
        "Après trois jours de négociations, les syndicats sont parvenus à un accord avec la compagnie "
        "ferroviaire. Les trains circuleront normalement dès lundi et les salariés seront augmentés.",
    ],
    "es": [
        "El ayuntamiento decidió el martes cerrar el viejo puente sobre el río para repararlo. Los "
        "ingenieros encontraron grietas en dos de los pilares la pasada primavera, y las obras durarán "
        "ocho meses. Durante el cierre, los autobuses pasarán cada diez minutos.",
        "Los agricultores del norte de la provincia aseguran que el verano seco ha reducido su cosecha de "
        "trigo en casi un tercio. Varias familias han vendido parte de su ganado porque el precio del heno "
        "se duplicó en julio.",
        "Un pequeño museo del barrio del puerto ha vuelto a abrir tras un año de obras en el tejado. Los "
        "visitantes pueden ver ahora una colección de maquetas de barcos y mapas antiguos.",
        "La empresa informó de una caída de sus beneficios en el tercer trimestre porque los clientes "
        "compraron menos teléfonos. Su consejero delegado dijo a los inversores que el próximo modelo "
        "llegará en primavera.",
        "La policía pide a los conductores que eviten la autopista cerca del aeropuerto después de que un "
        "camión perdiera su carga esta madrugada. No hubo heridos, pero dos carriles siguen cortados.",
        "Investigadores de la universidad han descubierto una nueva especie de rana en los bosques de "
        "montaña. El animal es más pequeño que una uña y canta en un tono que casi nadie puede oír.",
        "El consejo escolar decidirá la próxima semana si las clases empiezan más tarde por la mañana. Los "
        "padres que apoyan el cambio dicen que los adolescentes necesitan dormir más.",
        "Tras tres días de negociaciones, los sindicatos alcanzaron un acuerdo con la compañía ferroviaria. "
        "Los trenes circularán con normalidad desde el lunes y los trabajadores cobrarán más.",
    ],
    "it": [
        "Il consiglio comunale ha deciso martedì di chiudere il vecchio ponte sul fiume per lavori. Gli "
        "ingegneri avevano trovato delle crepe in due piloni la scorsa primavera, e il cantiere durerà otto "
        "mesi. Durante la chiusura gli autobus passeranno ogni dieci minuti.",
        "Gli agricoltori del nord della provincia dicono che l'estate secca ha ridotto il raccolto di grano "
        "di quasi un terzo. Diverse famiglie hanno venduto parte del bestiame perché il prezzo del fieno è "
        "raddoppiato a luglio.",
        "Un piccolo museo nel quartiere del porto ha riaperto dopo un anno di lavori sul tetto. I visitatori "
        "possono ora vedere una collezione di modellini di navi e di carte antiche.",
        "L'azienda ha comunicato un calo degli utili nel terzo trimestre perché i clienti hanno comprato "
        "meno telefoni. L'amministratore delegato ha detto agli investitori che il prossimo modello "
        "arriverà in primavera.",
        "La polizia chiede agli automobilisti di evitare l'autostrada vicino all'aeroporto dopo che un camion "
        "ha perso il carico questa mattina presto. Nessun ferito, ma due corsie restano chiuse.",
        "I ricercatori dell'università hanno scoperto una nuova specie di rana nei boschi di montagna. "
        "L'animale è più piccolo di un'unghia e canta a una frequenza che quasi nessuno riesce a sentire.",
        "Il consiglio d'istituto deciderà la prossima settimana se le lezioni inizieranno più tardi al "
        "mattino. I genitori favorevoli dicono che gli adolescenti hanno bisogno di dormire di più.",
        "Dopo tre giorni di trattative, i sindacati hanno raggiunto un accordo con la società ferroviaria. I "
        "treni circoleranno regolarmente da lunedì e i lavoratori avranno un aumento.",
    ],
    "pt": [
        "A câmara municipal decidiu na terça-feira fechar a velha ponte sobre o rio para obras. Os "
        "engenheiros encontraram fissuras em dois dos pilares na primavera passada, e os trabalhos vão "
        "durar oito meses. Durante o encerramento, os autocarros passam de dez em dez minutos.",
        "Os agricultores do norte do distrito dizem que o verão seco reduziu a colheita de trigo em quase "
        "um terço. Várias famílias venderam parte do gado porque o preço do feno duplicou em julho.",
        "Um pequeno museu no bairro do porto reabriu depois de um ano de obras no telhado. Os visitantes "
        "podem agora ver uma coleção de maquetes de navios e de mapas antigos.",
        "A empresa anunciou uma queda dos lucros no terceiro trimestre porque os clientes compraram menos "
        "telemóveis. O presidente executivo disse aos investidores que o próximo modelo chega na primavera.",
        "A polícia pede aos condutores que evitem a autoestrada junto ao aeroporto depois de um camião ter "
        "perdido a carga esta madrugada. Não houve feridos, mas duas faixas continuam cortadas.",
        "Investigadores da universidade descobriram uma nova espécie de rã nas florestas da montanha. O "
        "animal é mais pequeno do que uma unha e canta numa frequência que quase ninguém consegue ouvir.",
        "O conselho escolar vai decidir na próxima semana se as aulas começam mais tarde de manhã. Os pais "
        "que apoiam a mudança dizem que os adolescentes precisam de dormir mais.",
        "Depois de três dias de negociações, os sindicatos chegaram a acordo com a empresa ferroviária. Os "
        "comboios voltam a circular normalmente a partir de segunda-feira e os trabalhadores terão aumentos.",
    ],
    "nl": [
        "De gemeenteraad heeft dinsdag besloten de oude brug over de rivier af te sluiten voor herstel. "
        "Ingenieurs vonden vorig voorjaar scheuren in twee pijlers, en de werkzaamheden duren acht maanden. "
        "Tijdens de afsluiting rijden de bussen elke tien minuten.",
        "Boeren in het noorden van de provincie zeggen dat de droge zomer hun tarweoogst met bijna een derde "
        "heeft verminderd. Verschillende families hebben een deel van hun vee verkocht omdat de prijs van "
        "hooi in juli verdubbelde.",
        "Een klein museum in de havenwijk is na een jaar werk aan het dak weer open. Bezoekers kunnen nu een "
        "verzameling scheepsmodellen en oude kaarten bekijken die sinds de storm in een depot lagen.",
        "Het bedrijf meldde een daling van de winst in het derde kwartaal omdat klanten minder telefoons "
        "kochten. De topman vertelde beleggers dat het volgende model in het voorjaar komt.",
        "De politie vraagt automobilisten de snelweg bij het vliegveld te vermijden nadat een vrachtwagen "
        "vanochtend vroeg zijn lading verloor. Er raakte niemand gewond, maar twee rijstroken blijven dicht.",
        "Onderzoekers van de universiteit hebben in de bergbossen een nieuwe kikkersoort ontdekt. Het dier "
        "is kleiner dan een vingernagel en roept op een toonhoogte die de meeste mensen niet horen.",
        "Het schoolbestuur beslist volgende week of de lessen 's ochtends later beginnen. Ouders die de "
        "verandering steunen zeggen dat tieners meer slaap nodig hebben.",
        "Na drie dagen onderhandelen hebben de vakbonden een akkoord bereikt met de spoorwegmaatschappij. "
        "De treinen rijden vanaf maandag weer normaal en het personeel krijgt meer loon.",
    ],
}
