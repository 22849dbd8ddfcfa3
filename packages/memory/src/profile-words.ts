/**
 * Word lists behind the profile patterns. They are deliberately narrow: a word belongs here when
 * it is common after the cue and rarely the thing the cue introduces (for instance "tired" after
 * "I'm" is a state, not a name). Everything is lowercase.
 */

function words(text: string): ReadonlySet<string> {
  return new Set(text.trim().split(/\s+/));
}

/** Follow "I'm" or "call me" far more often as states, adverbs or verbs than as names. */
export const notNames = words(`
  not no so very really just also still only even already always never ever actually basically literally totally
  completely absolutely pretty quite rather fairly super kinda sorta kind sort bit little lot too sure unsure sorry
  fine good great ok okay alright bad terrible awful better worse best tired exhausted sleepy bored busy free
  available ready done finished back home here there out off in on at up down over into about with from for to by
  of like as the a an this that it its going gonna trying looking thinking wondering working planning hoping using
  learning getting having doing feeling asking writing reading building making starting leaving coming staying
  moving running taking glad happy sad upset angry mad annoyed frustrated confused lost stuck curious interested
  excited nervous anxious worried scared afraid stressed overwhelmed depressed lonely alone single married divorced
  engaged pregnant sick ill hungry thirsty cold hot warm late early new old young human serious kidding joking honest
  grateful thankful impressed disappointed convinced certain positive aware able unable allowed supposed responsible
  right wrong correct stupid dumb smart clever confident proud ashamed embarrassed jealous retired unemployed vegan
  vegetarian allergic fluent native beginner one all both almost currently now probably definitely certainly maybe
  perhaps obviously clearly honestly seriously simply merely somewhat slightly extremely incredibly genuinely truly
  exactly mostly mainly partly usually often sometimes rarely again once twice everywhere somewhere nowhere anywhere
  someone somebody nobody everyone anyone something nothing everything anything alive dead awake asleep sorta
  desperate hopeful skeptical fascinated obsessed addicted terrified shocked surprised amazed relieved satisfied
  unhappy pleased delighted thrilled bummed stoked psyched fed full broke rich poor safe okey aight meh ugh well
  back later tomorrow tonight today soon anytime whenever when if after before crazy old-fashioned paranoid names
  what whatever asap please first instead sometime yourself myself me him her them us you we they he she
  i im i'm gonna wanna gotta quick slow fast open closed cool chill calm stoked lucky blessed unlucky
  unclear clear fed-up burnt burned south north east west lazy weird strange picky cynical biased
  naive nuts insane silly selfish impatient dramatic nerdy cheesy old-school mental dad mom mum mommy daddy papa
  mama grandma grandpa nana sir madam maam boss buddy bro dude honey babe baby sweetie darling
`);

/** Names ending in -ing, which otherwise marks "I'm Looking for…" as a verb. */
export const ingNames = words("sterling irving ming ling jing xing ying ping bing channing manning fielding harding browning golding");

/** Nationalities and faiths: capitalised after "I'm" but not names. */
export const demonyms = words(`
  american canadian mexican british english scottish welsh irish french german italian spanish portuguese dutch
  belgian swiss austrian swedish norwegian danish finnish icelandic polish czech slovak hungarian romanian bulgarian
  greek turkish russian ukrainian belarusian serbian croatian bosnian slovenian albanian lithuanian latvian estonian
  chinese japanese korean taiwanese vietnamese thai filipino indonesian malaysian singaporean indian pakistani
  bangladeshi nepali iranian iraqi israeli palestinian lebanese syrian jordanian saudi emirati egyptian
  moroccan algerian tunisian nigerian ghanaian kenyan ethiopian somali ugandan tanzanian zimbabwean
  brazilian argentinian argentine chilean colombian peruvian venezuelan cuban jamaican haitian dominican
  australian kiwi aussie european asian african latino latina hispanic arab afghan armenian georgian
  jewish muslim christian catholic protestant buddhist hindu sikh mormon atheist agnostic texan californian
`);

/** After "my name is": words that describe the name rather than give it. */
export const notGivenNames = words(`
  not a an the irrelevant unimportant secret private none nothing unknown long short hard difficult weird spelled
  spelt pronounced on in also written listed missing wrong right correct different same there here very quite too
  so pretty kind sort mine yours unusual common rare similar like confusing funny
`);

/** Head words that make "I'm a/an X" something other than a job. */
export const notRoles = words(`
  bit little lot tad bunch couple few mess wreck fool idiot genius moron loser failure disaster nobody somebody
  human person people man woman guy girl boy kid child adult beginner newbie noob novice natural learner believer
  fan lover enthusiast buff nerd geek junkie addict fanatic sucker owl bird type sort kind one thing fan mom mum dad
  mother father parent wife husband son daughter sister brother grandma grandpa grandmother grandfather
  vegetarian vegan pescatarian perfectionist procrastinator introvert extrovert ambivert optimist pessimist
  realist bot robot ai liar fraud joke jerk pain victim hypocrite
`);

/** First words that make "I'm a/an X" an adjective phrase ("a bit tired", "a big fan"). */
export const notRoleOpeners = words(`
  bit little lot tad bunch couple few big huge real total complete good bad great terrible quick fast slow proud
  happy lucky firm strong strict heavy light true natural morning night early late nice very pretty such kind sort
  type bit bad massive lifelong long-time longtime die-hard diehard self-proclaimed self-confessed hopeless best
  worst only first last same biggest greatest king queen master one
`);

/** Openers that make a liked or disliked thing about the conversation, not the user. */
export const notInterestOpeners = words(`
  it it's its this that these those you your yours you're him her them us me what how when where why which who
  whom whose whatever whenever both either neither most some any all everything anything nothing something everyone
  anyone someone nobody everybody anybody somebody here there myself yourself my our his their one ones lots
  having being to
`);

/** Second words after "the" that point at the conversation ("the second option", "the way you…"). */
export const conversationNouns = words(`
  way idea fact answer answers option options version response responses reply suggestion suggestions example
  examples explanation solution approach code first second third last previous next other latter former same above
  below new old one ones point plan result results output list summary format tone style
`);

/** Verbs after "like to" / "hate to" that are politeness, not interests. */
export const politeVerbs = words("think say know believe see hear ask admit imagine bother interrupt tell be repeat complain nag point mention add");

/** Places people "live in" that are not places. */
export const notPlaces = words(`
  fear hope denial peace harmony misery poverty luxury sin sorrow terror shame guilt constant fantasy hell heaven
  past present future moment now here there home work school the a an my your his her our their this that it
  bubble head dream world reality shadows dark times hopes
`);

/** Employers that are really times, places or ways of working ("I work at night", "I work for hours"). */
export const notEmployers = words(`
  home night nights weekends weekend hours it myself free least once times night-time nighttime lunch
  desk computer pace speed rate level moment same living time distance scale
  the a an my your his her our their this that
`);

/** Trailing words that are not part of a value ("I live in Paris now"). Longest first. */
export const trailingFillers = [
  "at the moment",
  "by the way",
  "right now",
  "these days",
  "for a living",
  "by profession",
  "by trade",
  "as well",
  "for now",
  "in general",
  "a lot",
  "so much",
  "very much",
  "of course",
  "full-time",
  "full time",
  "part-time",
  "part time",
  "nowadays",
  "currently",
  "actually",
  "honestly",
  "generally",
  "recently",
  "lately",
  "anymore",
  "really",
  "though",
  "anyway",
  "anyways",
  "also",
  "too",
  "now",
  "lol",
  "haha",
  "btw",
  "tbh",
  "imo",
  "here",
  "today",
  "ok",
  "okay",
];

/** Small words a value must not end on once its clause is cut. */
export const danglingWords = words("a an the and or but of in at on for to with by from as my your our their his her is are was");

/** Lowercase particles inside names ("Vincent van Gogh"). */
export const nameParticles = words("van von de da del della der di du la le bin ibn al el ben");
