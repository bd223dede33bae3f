// Moved to @whittle/report; this re-export keeps '../report/mime.js' imports working. New code imports '@whittle/report'.
export * from '@whittle/report';
